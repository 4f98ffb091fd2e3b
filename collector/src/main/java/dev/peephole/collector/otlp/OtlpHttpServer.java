package dev.peephole.collector.otlp;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.util.JsonFormat;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.peephole.collector.grpc.AgentGrpcServer;
import dev.peephole.collector.http.ApiError;
import io.micronaut.http.HttpStatus;
import io.micronaut.context.annotation.Context;
import io.micronaut.context.annotation.Value;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsPartialSuccess;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest;
import io.opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import jakarta.annotation.PreDestroy;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OTLP/HTTP ({@code PEEPHOLE_OTLP_HTTP_PORT}): {@code POST /v1/traces} and {@code POST /v1/metrics},
 * binary protobuf ({@code application/x-protobuf}) or OTLP/JSON ({@code application/json}),
 * optionally gzip-compressed, with the agent token as {@code Authorization: Bearer}.
 *
 * <p>Served by the JDK's own HTTP server ({@code com.sun.net.httpserver}), not by a second
 * Micronaut listener: Micronaut's listeners share one router, filter chain and error
 * handling, so the API's user authentication, JSON error processors and routes would all
 * answer on this port too and every path would need a port check to keep them apart. A
 * server of its own answers exactly the two OTLP paths (anything else is 404) and the
 * OTLP paths are simply not routes of the API on {@code PEEPHOLE_HTTP_PORT}; it also has
 * its own threads, so OTLP senders cannot tie up the API's event loop while they wait for
 * their data to be committed.
 *
 * <p>Answers as the OTLP specification has them: 200 with an {@code Export*ServiceResponse}
 * (partial success when items were refused) in the request's encoding; 400 for a body
 * that does not parse, 401 without the agent token, 404/405 for other paths and methods,
 * 413 over 4 MiB (after decompression), 415 for other content types and encodings, 503
 * (with {@code Retry-After}) while storage is unavailable. Error bodies are a
 * {@code google.rpc.Status} for protobuf requests; otherwise JSON in Prometheus' error shape
 * with the Status fields ({@code code}, {@code message}) beside it.
 */
@Context
public class OtlpHttpServer {

    private static final Logger LOG = LoggerFactory.getLogger(OtlpHttpServer.class);
    static final String PROTOBUF = "application/x-protobuf";
    static final String JSON = "application/json";
    /** How long a request waits for its data to be committed before it is told to retry. */
    private static final long COMMIT_WAIT_SECONDS = 60;
    /** How much of an oversized body is read and dropped before the 413 (beyond it the connection is closed). */
    private static final long MAX_DISCARDED_BYTES = 64L * 1024 * 1024;
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final JsonFormat.Parser JSON_PARSER = JsonFormat.parser().ignoringUnknownFields();
    private static final JsonFormat.Printer JSON_PRINTER = JsonFormat.printer().omittingInsignificantWhitespace();

    private final HttpServer server;
    private final ExecutorService executor;
    private final OtlpIngest ingest;

    public OtlpHttpServer(@Value("${peephole.otlp.http.port:4318}") int port,
                          @Value("${peephole.otlp.threads:4}") int threads,
                          OtlpIngest ingest, dev.peephole.collector.security.TlsFiles tls) {
        this.ingest = ingest;
        AtomicInteger n = new AtomicInteger();
        this.executor = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "peephole-otlp-http-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        try {
            // PEEPHOLE_TLS_OTLP_CERT/KEY, else PEEPHOLE_TLS_CERT/KEY: HTTPS instead of HTTP
            java.util.Optional<javax.net.ssl.SSLContext> ssl = tls.jdkSslContext("otlp");
            if (ssl.isPresent()) {
                com.sun.net.httpserver.HttpsServer https =
                        com.sun.net.httpserver.HttpsServer.create(new InetSocketAddress(port), 128);
                https.setHttpsConfigurator(new com.sun.net.httpserver.HttpsConfigurator(ssl.get()));
                server = https;
            } else {
                server = HttpServer.create(new InetSocketAddress(port), 128);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("Could not listen for OTLP/HTTP on port " + port, e);
        }
        server.setExecutor(executor);
        server.createContext("/", this::handle);
        server.start();
        LOG.info("OTLP/HTTP listening on port {}", server.getAddress().getPort());
    }

    public int port() {
        return server.getAddress().getPort();
    }

    /** An answer other than 200: HTTP status, gRPC status code (for the Status body), message. */
    private static final class HttpFailure extends Exception {
        final int status;
        final int code;

        HttpFailure(int status, int code, String message) {
            super(message, null, false, false);
            this.status = status;
            this.code = code;
        }
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            String path = exchange.getRequestURI().getPath();
            String signal = switch (path) {
                case "/v1/traces" -> "traces";
                case "/v1/metrics" -> "metrics";
                default -> null;
            };
            boolean protobuf = PROTOBUF.equals(mediaType(exchange));
            try {
                if (signal == null) {
                    throw new HttpFailure(404, 5, "not found: " + path + " (OTLP/HTTP serves POST /v1/traces and /v1/metrics)");
                }
                if (!"POST".equals(exchange.getRequestMethod())) {
                    exchange.getResponseHeaders().set("Allow", "POST");
                    throw new HttpFailure(405, 12, "method " + exchange.getRequestMethod() + " not allowed: use POST");
                }
                try {
                    ingest.authenticate(exchange.getRequestHeaders().getFirst("Authorization"));
                } catch (OtlpIngest.Refused e) {
                    ingest.countRequest("http", signal, e.failure() == OtlpIngest.Failure.UNAUTHENTICATED
                            ? "unauthenticated" : "unavailable");
                    throw refusal(exchange, e);
                }
                exportAndAnswer(exchange, signal, protobuf);
            } catch (HttpFailure f) {
                if (f.status == 400 || f.status == 413 || f.status == 415) {
                    ingest.countRequest("http", signal == null ? "none" : signal, "invalid");
                }
                answerFailure(exchange, protobuf, f);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("OTLP/HTTP request failed", e);
            throw e;
        }
    }

    private void exportAndAnswer(HttpExchange exchange, String signal, boolean protobuf)
            throws IOException, HttpFailure {
        String type = mediaType(exchange);
        if (!PROTOBUF.equals(type) && !JSON.equals(type)) {
            throw new HttpFailure(415, 3, "unsupported content type '" + type + "': use " + PROTOBUF + " or " + JSON);
        }
        byte[] body = body(exchange);
        CompletableFuture<OtlpIngest.Result> stored;
        if (signal.equals("traces")) {
            ExportTraceServiceRequest.Builder request = ExportTraceServiceRequest.newBuilder();
            parse(body, protobuf, request);
            stored = ingest.traces(request.build());
        } else {
            ExportMetricsServiceRequest.Builder request = ExportMetricsServiceRequest.newBuilder();
            parse(body, protobuf, request);
            stored = ingest.metrics(request.build());
        }
        OtlpIngest.Result result;
        try {
            result = stored.get(COMMIT_WAIT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            ingest.countRequest("http", signal, "unavailable");
            if (e.getCause() instanceof OtlpIngest.Refused r) {
                throw refusal(exchange, r);
            }
            LOG.error("OTLP {} export failed", signal, e.getCause());
            throw new HttpFailure(500, 13, "not stored");
        } catch (TimeoutException e) {
            ingest.countRequest("http", signal, "unavailable");
            exchange.getResponseHeaders().set("Retry-After", "5");
            throw new HttpFailure(503, 14, "not committed within " + COMMIT_WAIT_SECONDS + " s: send it again");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new HttpFailure(503, 14, "the collector is shutting down");
        }
        ingest.countRequest("http", signal, result.rejected() > 0 ? "partial" : "ok");
        Message response;
        if (signal.equals("traces")) {
            ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
            if (result.rejected() > 0) {
                b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
                        .setRejectedSpans(result.rejected()).setErrorMessage(result.message()));
            }
            response = b.build();
        } else {
            ExportMetricsServiceResponse.Builder b = ExportMetricsServiceResponse.newBuilder();
            if (result.rejected() > 0) {
                b.setPartialSuccess(ExportMetricsPartialSuccess.newBuilder()
                        .setRejectedDataPoints(result.rejected()).setErrorMessage(result.message()));
            }
            response = b.build();
        }
        if (protobuf) {
            send(exchange, 200, PROTOBUF, response.toByteArray());
        } else {
            send(exchange, 200, JSON, JSON_PRINTER.print(response).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static HttpFailure refusal(HttpExchange exchange, OtlpIngest.Refused e) {
        if (e.failure() == OtlpIngest.Failure.UNAUTHENTICATED) {
            exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer");
            return new HttpFailure(401, 16, e.getMessage());
        }
        exchange.getResponseHeaders().set("Retry-After", "5");
        return new HttpFailure(503, 14, e.getMessage());
    }

    private static void parse(byte[] body, boolean protobuf, Message.Builder into) throws HttpFailure {
        try {
            if (protobuf) {
                into.mergeFrom(body);
            } else {
                JSON_PARSER.merge(OtlpMapper.hexIdsToBase64(new String(body, StandardCharsets.UTF_8)), into);
            }
        } catch (InvalidProtocolBufferException e) {
            throw new HttpFailure(400, 3, "malformed OTLP " + (protobuf ? "protobuf" : "JSON") + ": " + e.getMessage());
        } catch (IOException | IllegalArgumentException e) {
            throw new HttpFailure(400, 3, "malformed OTLP JSON: " + e.getMessage());
        }
    }

    /** The request body, gunzipped if need be, at most 4 MiB. */
    private static byte[] body(HttpExchange exchange) throws IOException, HttpFailure {
        String encoding = exchange.getRequestHeaders().getFirst("Content-Encoding");
        InputStream in = exchange.getRequestBody();
        if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
            if (!encoding.trim().equalsIgnoreCase("gzip")) {
                throw new HttpFailure(415, 3, "unsupported content encoding '" + encoding + "': use gzip or none");
            }
            try {
                in = new GZIPInputStream(in);
            } catch (IOException e) {
                throw new HttpFailure(400, 3, "malformed gzip body: " + e.getMessage());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[16 * 1024];
        try {
            int read;
            while ((read = in.read(buffer)) > 0) {
                out.write(buffer, 0, read);
                if (out.size() > AgentGrpcServer.MAX_MESSAGE_BYTES) {
                    // Read what the sender is still sending (within reason) so it gets to see the 413
                    // instead of a connection reset.
                    InputStream raw = exchange.getRequestBody();
                    long discarded = 0;
                    int n;
                    while (discarded < MAX_DISCARDED_BYTES && (n = raw.read(buffer)) > 0) {
                        discarded += n;
                    }
                    throw new HttpFailure(413, 8, "request body over " + AgentGrpcServer.MAX_MESSAGE_BYTES + " bytes");
                }
            }
        } catch (java.util.zip.ZipException e) {
            throw new HttpFailure(400, 3, "malformed gzip body: " + e.getMessage());
        }
        return out.toByteArray();
    }

    private static String mediaType(HttpExchange exchange) {
        String type = exchange.getRequestHeaders().getFirst("Content-Type");
        if (type == null) {
            return "";
        }
        int semicolon = type.indexOf(';');
        return (semicolon < 0 ? type : type.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static void answerFailure(HttpExchange exchange, boolean protobuf, HttpFailure f) throws IOException {
        if (protobuf) {
            byte[] status = com.google.rpc.Status.newBuilder().setCode(f.code).setMessage(f.getMessage()).build()
                    .toByteArray();
            send(exchange, f.status, PROTOBUF, status);
            return;
        }
        ObjectNode body = MAPPER.createObjectNode()
                .put("status", "error")
                .put("errorType", ApiError.typeFor(HttpStatus.valueOf(f.status)))
                .put("error", f.getMessage())
                .put("code", f.code)
                .put("message", f.getMessage());
        send(exchange, f.status, JSON, MAPPER.writeValueAsBytes(body));
    }

    private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
        if (body.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        }
    }

    @PreDestroy
    void stop() {
        server.stop(1);
        executor.shutdownNow();
    }
}
