package dev.peephole.collector.security;

import io.grpc.ServerCredentials;
import io.grpc.TlsServerCredentials;
import io.micronaut.context.env.Environment;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The certificate and private key (PEM files) a listener serves TLS with:
 * {@code PEEPHOLE_TLS_CERT} / {@code PEEPHOLE_TLS_KEY} for every listener, or
 * {@code PEEPHOLE_TLS_<LISTENER>_CERT} / {@code _KEY} for one ({@code GRPC}, {@code HTTP},
 * {@code OTLP}, ...), which wins over the shared pair. The certificate file holds the server
 * certificate followed by any intermediates; the key is unencrypted PKCS#8
 * ({@code -----BEGIN PRIVATE KEY-----}, what {@code openssl genpkey} and {@code openssl req
 * -newkey} write). No files: the listener serves plaintext.
 *
 * <p>gRPC listeners call {@link #serverCredentials(String)} and build their server with
 * {@code NettyServerBuilder.forAddress(address, credentials)}; the HTTP listener (Micronaut's
 * Netty) gets {@link #micronautServerProperties} at start.
 */
@Singleton
public class TlsFiles {

    /** A listener's certificate chain and key files. */
    public record Pair(Path cert, Path key) {
    }

    private final Function<String, Optional<String>> settings;

    public TlsFiles(Environment environment) {
        this(name -> environment.getProperty(name, String.class));
    }

    /** {@code settings} gives a property ({@code peephole.tls.cert}) its value when set. */
    public TlsFiles(Function<String, Optional<String>> settings) {
        this.settings = settings;
    }

    /**
     * The files of a listener ({@code "grpc"}, {@code "http"}, {@code "otlp"}), empty when it
     * serves plaintext. Throws, naming the setting, when only one of the two is given or a file
     * cannot be read, so a misconfigured collector does not start in plaintext.
     */
    public Optional<Pair> files(String listener) {
        String prefix = "peephole.tls." + listener + ".";
        Optional<String> cert = value(prefix + "cert");
        Optional<String> key = value(prefix + "key");
        String certKey = "PEEPHOLE_TLS_" + listener.toUpperCase(java.util.Locale.ROOT) + "_CERT";
        String keyKey = "PEEPHOLE_TLS_" + listener.toUpperCase(java.util.Locale.ROOT) + "_KEY";
        if (cert.isEmpty() && key.isEmpty()) {
            cert = value("peephole.tls.cert");
            key = value("peephole.tls.key");
            certKey = "PEEPHOLE_TLS_CERT";
            keyKey = "PEEPHOLE_TLS_KEY";
        }
        if (cert.isEmpty() && key.isEmpty()) {
            return Optional.empty();
        }
        if (cert.isEmpty() || key.isEmpty()) {
            throw new IllegalStateException(certKey + " and " + keyKey + " go together: "
                    + (cert.isEmpty() ? certKey : keyKey) + " is not set");
        }
        return Optional.of(new Pair(readable(certKey, cert.get()), readable(keyKey, key.get())));
    }

    /** gRPC server credentials for the listener, empty for plaintext. */
    public Optional<ServerCredentials> serverCredentials(String listener) {
        Optional<Pair> files = files(listener);
        if (files.isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(TlsServerCredentials.create(files.get().cert().toFile(), files.get().key().toFile()));
        } catch (IOException e) {
            throw new UncheckedIOException("TLS files of the " + listener + " listener: " + e.getMessage(), e);
        }
    }

    /**
     * A JDK {@link javax.net.ssl.SSLContext} serving the listener's files, for servers built on
     * the JDK's own TLS (the OTLP/HTTP listener); empty for plaintext. The PEM files are read by
     * Netty's SslContextBuilder (Micronaut's Netty), as Micronaut's HTTPS reads them.
     */
    public Optional<javax.net.ssl.SSLContext> jdkSslContext(String listener) {
        Optional<Pair> files = files(listener);
        if (files.isEmpty()) {
            return Optional.empty();
        }
        try {
            io.netty.handler.ssl.SslContext netty = io.netty.handler.ssl.SslContextBuilder
                    .forServer(files.get().cert().toFile(), files.get().key().toFile())
                    .sslProvider(io.netty.handler.ssl.SslProvider.JDK)
                    .build();
            return Optional.of(((io.netty.handler.ssl.JdkSslContext) netty).context());
        } catch (javax.net.ssl.SSLException | IllegalArgumentException e) {
            throw new IllegalStateException("TLS files of the " + listener + " listener: " + e.getMessage(), e);
        }
    }

    /**
     * The Micronaut properties that make the HTTP server serve HTTPS (only) on {@code port}
     * with the {@code http} listener's files; empty for plaintext.
     */
    public Map<String, Object> micronautServerProperties(String port) {
        Optional<Pair> files = files("http");
        if (files.isEmpty()) {
            return Map.of();
        }
        Map<String, Object> props = new LinkedHashMap<>();
        props.put("micronaut.server.ssl.enabled", true);
        props.put("micronaut.server.ssl.port", port);
        props.put("micronaut.server.ssl.key-store.certificate-path", "file:" + files.get().cert().toAbsolutePath());
        props.put("micronaut.server.ssl.key-store.key-path", "file:" + files.get().key().toAbsolutePath());
        return props;
    }

    private Optional<String> value(String name) {
        return settings.apply(name).map(String::trim).filter(v -> !v.isEmpty());
    }

    private static Path readable(String setting, String file) {
        Path p = Path.of(file);
        if (!Files.isReadable(p)) {
            throw new IllegalStateException(setting + " " + file + ": no such file, or not readable");
        }
        return p;
    }
}
