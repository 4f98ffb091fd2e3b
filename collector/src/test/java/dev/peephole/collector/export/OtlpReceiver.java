package dev.peephole.collector.export;

import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.zip.GZIPInputStream;
import javax.net.ssl.SSLContext;

/**
 * An OTLP trace receiver on loopback, built from the official opentelemetry-proto service
 * definitions: gRPC ({@code TraceServiceGrpc}) or HTTP/protobuf (JDK HttpServer on
 * {@code /v1/traces}, optionally HTTPS). Keeps every request with the headers it came with.
 */
final class OtlpReceiver implements AutoCloseable {

    /** One received span with the resource it was sent under. */
    record Received(Resource resource, String scope, Span span, Map<String, String> headers) {
    }

    private final java.util.Queue<Received> spans = new java.util.concurrent.ConcurrentLinkedQueue<>();
    private Server grpc;
    private HttpServer http;
    int port;

    private OtlpReceiver() {
    }

    /** A gRPC receiver on {@code port} (0: any free port). */
    static OtlpReceiver grpc(int port) throws IOException {
        return grpc(port, null, null);
    }

    /** A gRPC receiver; with TLS when a PEM certificate chain and PKCS#8 key file are given. */
    static OtlpReceiver grpc(int port, java.io.File certificate, java.io.File key) throws IOException {
        OtlpReceiver r = new OtlpReceiver();
        io.grpc.Context.Key<Map<String, String>> headersKey = io.grpc.Context.key("headers");
        ServerInterceptor keepHeaders = new ServerInterceptor() {
            @Override
            public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata md,
                                                              ServerCallHandler<Q, A> next) {
                Map<String, String> h = new TreeMap<>();
                for (String k : md.keys()) {
                    if (!k.endsWith(Metadata.BINARY_HEADER_SUFFIX)) {
                        h.put(k, md.get(Metadata.Key.of(k, Metadata.ASCII_STRING_MARSHALLER)));
                    }
                }
                return Contexts.interceptCall(io.grpc.Context.current().withValue(headersKey, h), call, md, next);
            }
        };
        TraceServiceGrpc.TraceServiceImplBase service = new TraceServiceGrpc.TraceServiceImplBase() {
            @Override
            public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
                Map<String, String> h = headersKey.get();
                collect(request, h, r.spans);
                out.onNext(ExportTraceServiceResponse.getDefaultInstance());
                out.onCompleted();
            }
        };
        NettyServerBuilder b = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", port))
                .addService(ServerInterceptors.intercept(service, keepHeaders));
        if (certificate != null) {
            b.useTransportSecurity(certificate, key);
        }
        r.grpc = b.build().start();
        r.port = r.grpc.getPort();
        return r;
    }

    /**
     * An HTTP/protobuf receiver on {@code port} (0: any); HTTPS when {@code tls} is given, then
     * demanding a client certificate when {@code needClientAuth}.
     */
    static OtlpReceiver http(int port, SSLContext tls, boolean needClientAuth) throws IOException {
        InetSocketAddress address = new InetSocketAddress("127.0.0.1", port);
        HttpServer server;
        if (tls == null) {
            server = HttpServer.create(address, 0);
        } else {
            HttpsServer https = HttpsServer.create(address, 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls) {
                @Override
                public void configure(com.sun.net.httpserver.HttpsParameters params) {
                    javax.net.ssl.SSLParameters p = tls.getDefaultSSLParameters();
                    p.setNeedClientAuth(needClientAuth);
                    params.setSSLParameters(p);
                }
            });
            server = https;
        }
        OtlpReceiver r = new OtlpReceiver();
        r.port = server.getAddress().getPort();
        server.createContext("/v1/traces", exchange -> {
            try (exchange) {
                Map<String, String> h = new TreeMap<>();
                exchange.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(Locale.ROOT), String.join(",", v)));
                if (!"POST".equals(exchange.getRequestMethod())
                        || !"application/x-protobuf".equals(h.get("content-type"))) {
                    exchange.sendResponseHeaders(400, -1);
                    return;
                }
                InputStream in = exchange.getRequestBody();
                if ("gzip".equals(h.get("content-encoding"))) {
                    in = new GZIPInputStream(in);
                }
                ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(in.readAllBytes());
                collect(request, h, r.spans);
                byte[] body = ExportTraceServiceResponse.getDefaultInstance().toByteArray();
                exchange.getResponseHeaders().set("Content-Type", "application/x-protobuf");
                exchange.sendResponseHeaders(200, body.length == 0 ? -1 : body.length);
                if (body.length > 0) {
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                }
            }
        });
        server.start();
        r.http = server;
        return r;
    }

    private static void collect(ExportTraceServiceRequest request, Map<String, String> headers, java.util.Queue<Received> into) {
        for (ResourceSpans rs : request.getResourceSpansList()) {
            for (ScopeSpans ss : rs.getScopeSpansList()) {
                for (Span s : ss.getSpansList()) {
                    into.add(new Received(rs.getResource(), ss.getScope().getName(), s, headers));
                }
            }
        }
    }

    /** The spans received so far that match. */
    List<Received> spans(Predicate<Span> which) {
        List<Received> out = new ArrayList<>();
        for (Received r : spans) {
            if (which.test(r.span())) {
                out.add(r);
            }
        }
        return out;
    }

    /** Waits until at least {@code n} matching spans have arrived (or the deadline passes). */
    List<Received> await(Predicate<Span> which, int n, long seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        List<Received> got = spans(which);
        while (got.size() < n && System.nanoTime() < deadline) {
            Thread.sleep(100);
            got = spans(which);
        }
        return got;
    }

    static Map<String, Object> attributes(List<KeyValue> kvs) {
        Map<String, Object> out = new TreeMap<>();
        for (KeyValue kv : kvs) {
            var v = kv.getValue();
            out.put(kv.getKey(), switch (v.getValueCase()) {
                case STRING_VALUE -> v.getStringValue();
                case BOOL_VALUE -> v.getBoolValue();
                case INT_VALUE -> v.getIntValue();
                case DOUBLE_VALUE -> v.getDoubleValue();
                default -> v.toString();
            });
        }
        return out;
    }

    @Override
    public void close() throws InterruptedException {
        if (grpc != null) {
            grpc.shutdownNow();
            grpc.awaitTermination(5, TimeUnit.SECONDS);
        }
        if (http != null) {
            http.stop(0);
        }
    }
}
