package dev.peephole.agent.core.transport;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.TlsServerCredentials;
import java.io.Writer;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The agent's sender over TLS ({@code tls=true}, {@code ca=FILE}) against a gRPC listener serving a
 * certificate made in the test: with the CA that signed it the hello arrives; with another CA, or
 * with no CA (the JVM's trust store does not know the test CA), nothing arrives.
 */
class TlsSenderTest {
    private static Path dir;
    private static Path caFile;
    private static Path otherCaFile;
    private static Path certFile;
    private static Path keyFile;
    private static long serial = System.currentTimeMillis();

    @BeforeAll
    static void certificates() throws Exception {
        dir = Files.createTempDirectory("peephole-agent-tls");
        KeyPair caKeys = rsa();
        X509Certificate ca = ca("test-ca", caKeys);
        caFile = write(dir.resolve("ca.pem"), ca);
        otherCaFile = write(dir.resolve("other-ca.pem"), ca("other-ca", rsa()));
        KeyPair serverKeys = rsa();
        Instant now = Instant.now();
        X509Certificate server = new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(ca,
                BigInteger.valueOf(++serial), Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
                new X500Name("CN=localhost"), serverKeys.getPublic())
                .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
                        new GeneralName(GeneralName.dNSName, "localhost"),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}))
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(caKeys.getPrivate())));
        certFile = write(dir.resolve("server.pem"), server);
        keyFile = write(dir.resolve("server-key.pem"), new JcaPKCS8Generator(serverKeys.getPrivate(), null));
    }

    private static KeyPair rsa() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        return g.generateKeyPair();
    }

    private static X509Certificate ca(String name, KeyPair keys) throws Exception {
        Instant now = Instant.now();
        X500Name subject = new X500Name("CN=" + name);
        return new JcaX509CertificateConverter().getCertificate(new JcaX509v3CertificateBuilder(subject,
                BigInteger.valueOf(++serial), Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(2))),
                subject, keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .build(new JcaContentSignerBuilder("SHA256withRSA").build(keys.getPrivate())));
    }

    private static Path write(Path file, Object pem) throws Exception {
        try (Writer w = Files.newBufferedWriter(file); JcaPEMWriter pw = new JcaPEMWriter(w)) {
            if (pem instanceof org.bouncycastle.util.io.pem.PemObjectGenerator) {
                pw.writeObject((org.bouncycastle.util.io.pem.PemObjectGenerator) pem);
            } else {
                pw.writeObject(pem);
            }
        }
        return file;
    }

    private static Sender.Options options(int port, String ca) {
        Sender.Options o = new Sender.Options();
        o.target = "localhost:" + port;
        o.token = "secret";
        o.tls = true;
        o.caFile = ca;
        o.batchInterval = Duration.ofMillis(100);
        o.reconnectInitial = Duration.ofMillis(50);
        o.reconnectMax = Duration.ofMillis(200);
        return o;
    }

    private static Identity identity() {
        return new Identity("tls@host", "svc", "1.0", "host", 42, "test", 1L, Collections.emptyMap());
    }

    private static FakeCollector tlsCollector() throws Exception {
        return new FakeCollector(0, TlsServerCredentials.create(certFile.toFile(), keyFile.toFile()));
    }

    @Test
    void withTheCaThatSignedTheCollectorTheAgentConnects() throws Exception {
        try (FakeCollector fake = tlsCollector()) {
            Sender sender = new Sender(options(fake.port(), caFile.toString()), new Buffer(100, 100, 10), identity(), s -> { });
            sender.start();
            try {
                var hello = fake.next(30);
                assertThat(hello).as("the hello over TLS").isNotNull();
                assertThat(hello.hasHello()).isTrue();
                assertThat(fake.authHeaders).containsExactly("Bearer secret");
            } finally {
                sender.shutdown(Duration.ofSeconds(1));
            }
        }
    }

    @Test
    void withAnotherCaOrTheJvmTrustStoreNothingIsSent() throws Exception {
        for (String ca : new String[] {otherCaFile.toString(), ""}) {
            try (FakeCollector fake = tlsCollector()) {
                Sender sender = new Sender(options(fake.port(), ca), new Buffer(100, 100, 10), identity(), s -> { });
                sender.start();
                try {
                    // Several reconnect rounds (50-200 ms apart) all fail the handshake.
                    assertThat(fake.next(3)).as("nothing arrives with ca=%s", ca).isNull();
                    assertThat(fake.authHeaders).as("the token never leaves the agent").isEmpty();
                } finally {
                    sender.shutdown(Duration.ofSeconds(1));
                }
            }
        }
    }

    @Test
    void aPlaintextAgentGetsNothingThroughToATlsCollector() throws Exception {
        try (FakeCollector fake = tlsCollector()) {
            Sender.Options o = options(fake.port(), "");
            o.tls = false;
            Sender sender = new Sender(o, new Buffer(100, 100, 10), identity(), s -> { });
            sender.start();
            try {
                assertThat(fake.next(3)).isNull();
            } finally {
                sender.shutdown(Duration.ofSeconds(1));
            }
        }
    }
}
