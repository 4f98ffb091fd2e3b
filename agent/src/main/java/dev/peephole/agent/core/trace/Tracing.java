package dev.peephole.agent.core.trace;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import dev.peephole.agent.bootstrap.Dispatcher;
import dev.peephole.agent.core.transport.Buffer;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.SpanLimits;

/**
 * The {@link Dispatcher} woven code calls: starts and ends OpenTelemetry SDK spans for woven
 * methods and HTTP handlers, records span metrics for every span (sampled or not), and carries
 * the context across threads ({@link ContextHandoff}).
 */
public final class Tracing implements Dispatcher {
    static final AttributeKey<String> HTTP_METHOD = AttributeKey.stringKey("http.request.method");
    static final AttributeKey<String> URL_PATH = AttributeKey.stringKey("url.path");
    static final AttributeKey<String> URL_QUERY = AttributeKey.stringKey("url.query");
    static final AttributeKey<String> URL_SCHEME = AttributeKey.stringKey("url.scheme");
    static final AttributeKey<String> HTTP_ROUTE = AttributeKey.stringKey("http.route");
    static final AttributeKey<Long> HTTP_STATUS = AttributeKey.longKey("http.response.status_code");
    static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
    static final AttributeKey<String> CLIENT_ADDRESS = AttributeKey.stringKey("client.address");
    static final AttributeKey<String> USER_AGENT = AttributeKey.stringKey("user_agent.original");
    static final int MAX_ATTRIBUTE_LENGTH = 256;

    private final MethodRegistry registry;
    private final RatioSampler sampler;
    private final SdkTracerProvider provider;
    private final Tracer tracer;
    private final SpanMetrics spanMetrics; // null: off
    private final ContextHandoff handoff = new ContextHandoff(10_000);
    private final ThreadLocal<HttpExchange> currentExchange = new ThreadLocal<>();

    public Tracing(MethodRegistry registry, Buffer buffer, double samplingRatio, SpanMetrics spanMetrics) {
        this.registry = registry;
        this.sampler = new RatioSampler(samplingRatio);
        this.spanMetrics = spanMetrics;
        this.provider = SdkTracerProvider.builder()
                .setSampler(sampler)
                .setSpanLimits(SpanLimits.builder().setMaxAttributeValueLength(4096).setMaxNumberOfAttributes(64)
                        .setMaxNumberOfEvents(16).build())
                .addSpanProcessor(new PeepholeSpanExporter(buffer).processor())
                .build();
        this.tracer = provider.get("peephole-agent");
    }

    public RatioSampler sampler() {
        return sampler;
    }

    public MethodRegistry registry() {
        return registry;
    }

    public int carriedContexts() {
        return handoff.carriedCount();
    }

    /** What {@link #enter} hands to {@link #exit}. */
    static final class Token {
        final MethodInfo info;
        final Span span;
        final Scope scope;
        final Context context;
        final boolean root;
        final String name;
        final long startNanos;
        final String[] labelValues;

        Token(MethodInfo info, Span span, Scope scope, Context context, boolean root, String name, long startNanos,
              String[] labelValues) {
            this.info = info;
            this.span = span;
            this.scope = scope;
            this.context = context;
            this.root = root;
            this.name = name;
            this.startNanos = startNanos;
            this.labelValues = labelValues;
        }
    }

    @Override
    public Object enter(int methodId, Object self, Object[] args) {
        MethodInfo m = registry.get(methodId);
        if (m == null || !m.enabled) {
            return null;
        }
        Context parent = handoff.parentForNewSpan();
        String name = m.name.render(self, args);
        SpanBuilder b = tracer.spanBuilder(name).setParent(parent).setSpanKind(m.kind);
        Span span = b.startSpan();
        String[] labelValues = m.metricLabelNames.length == 0 ? null : new String[m.metricLabelNames.length];
        // isRecording takes the span's lock: asked only when there are attributes to set
        boolean recording = m.enterKeys.length > 0 && span.isRecording();
        for (int i = 0; i < m.enterKeys.length; i++) {
            if (recording || labelValues != null) {
                Object v = m.enterPaths[i].resolve(self, args, null);
                if (recording) {
                    setAttribute(span, m.enterKeys[i], v);
                }
                label(m, labelValues, m.enterKeys[i], v);
            }
        }
        Context ctx = parent.with(span);
        Scope scope = ctx.makeCurrent();
        return new Token(m, span, scope, ctx, !Span.fromContext(parent).getSpanContext().isValid(), name,
                System.nanoTime(), labelValues);
    }

    @Override
    public void exit(Object token, Object returned, Throwable thrown) {
        Token t = (Token) token;
        long duration = System.nanoTime() - t.startNanos;
        t.scope.close();
        MethodInfo m = t.info;
        Span span = t.span;
        // isRecording takes the span's lock: asked only when there is something to record
        boolean recording = (thrown != null || m.exitKeys.length > 0) && span.isRecording();
        StatusCode status = StatusCode.UNSET;
        if (thrown != null) {
            status = StatusCode.ERROR;
            if (recording) {
                String msg = thrown.getMessage();
                span.setStatus(StatusCode.ERROR, thrown.getClass().getName() + (msg == null ? "" : ": " + msg));
                span.recordException(thrown);
            }
        } else {
            for (int i = 0; i < m.exitKeys.length; i++) {
                if (recording || t.labelValues != null) {
                    Object v = m.exitPaths[i].resolve(null, null, returned);
                    if (recording) {
                        setAttribute(span, m.exitKeys[i], v);
                    }
                    label(m, t.labelValues, m.exitKeys[i], v);
                }
            }
            if (t.root && returned != null && m.returnsObject) {
                handoff.produced(returned, t.context);
            }
        }
        span.end();
        if (spanMetrics != null) {
            if (t.labelValues == null && m.name.isConstant()) {
                // the common case: one series per method and status, found without a map lookup
                SpanMetrics.Series s = status == StatusCode.UNSET ? m.unsetSeries : m.errorSeries;
                if (s == null) {
                    s = spanMetrics.series(t.name, m.kind, status, null, null);
                    if (status == StatusCode.UNSET) {
                        m.unsetSeries = s;
                    } else {
                        m.errorSeries = s;
                    }
                }
                if (s != null) {
                    spanMetrics.record(s, duration);
                }
            } else {
                spanMetrics.record(t.name, m.kind, status, m.metricLabelNames, t.labelValues, duration);
            }
        }
    }

    private static void label(MethodInfo m, String[] values, String key, Object v) {
        if (values == null) {
            return;
        }
        for (int i = 0; i < m.metricLabelNames.length; i++) {
            if (m.metricLabelNames[i].equals(key)) {
                values[i] = v == null ? "" : truncate(v instanceof Enum ? ((Enum<?>) v).name() : String.valueOf(v));
            }
        }
    }

    static void setAttribute(Span span, String key, Object v) {
        if (v == null) {
            return;
        }
        if (v instanceof String) {
            span.setAttribute(key, truncate((String) v));
        } else if (v instanceof Boolean) {
            span.setAttribute(key, (Boolean) v);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            span.setAttribute(key, ((Number) v).longValue());
        } else if (v instanceof Double || v instanceof Float) {
            span.setAttribute(key, ((Number) v).doubleValue());
        } else if (v instanceof Enum) {
            span.setAttribute(key, ((Enum<?>) v).name());
        } else {
            String s;
            try {
                s = String.valueOf(v);
            } catch (RuntimeException e) {
                return;
            }
            span.setAttribute(key, truncate(s));
        }
    }

    static String truncate(String s) {
        return s.length() <= MAX_ATTRIBUTE_LENGTH ? s : s.substring(0, MAX_ATTRIBUTE_LENGTH);
    }

    // ------------------------------------------------------------------ HTTP server spans

    private static final TextMapGetter<Headers> HEADERS = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Headers carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Headers carrier, String key) {
            return carrier == null ? null : carrier.getFirst(key);
        }
    };

    static final class HttpToken {
        final Span span;
        final Scope scope;
        final String method;
        final String path;
        final long startNanos;

        HttpToken(Span span, Scope scope, String method, String path, long startNanos) {
            this.span = span;
            this.scope = scope;
            this.method = method;
            this.path = path;
            this.startNanos = startNanos;
        }
    }

    @Override
    public Object enterHttp(Object handler, Object exchange) {
        if (!(exchange instanceof HttpExchange)) {
            return null;
        }
        HttpExchange ex = (HttpExchange) exchange;
        if (currentExchange.get() == ex) {
            return null; // a handler delegating to another: one server span per exchange
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), ex.getRequestHeaders(), HEADERS);
        String method = ex.getRequestMethod();
        String path = ex.getRequestURI().getRawPath();
        SpanBuilder b = tracer.spanBuilder(method + " " + path).setParent(parent).setSpanKind(SpanKind.SERVER)
                .setAttribute(HTTP_METHOD, method).setAttribute(URL_PATH, path).setAttribute(URL_SCHEME,
                        ex instanceof com.sun.net.httpserver.HttpsExchange ? "https" : "http");
        String query = ex.getRequestURI().getRawQuery();
        if (query != null) {
            b.setAttribute(URL_QUERY, truncate(query));
        }
        if (ex.getLocalAddress() != null) {
            b.setAttribute(SERVER_PORT, (long) ex.getLocalAddress().getPort());
        }
        if (ex.getRemoteAddress() != null && ex.getRemoteAddress().getAddress() != null) {
            b.setAttribute(CLIENT_ADDRESS, ex.getRemoteAddress().getAddress().getHostAddress());
        }
        String ua = ex.getRequestHeaders().getFirst("User-Agent");
        if (ua != null) {
            b.setAttribute(USER_AGENT, truncate(ua));
        }
        Span span = b.startSpan();
        Scope scope = parent.with(span).makeCurrent();
        currentExchange.set(ex);
        return new HttpToken(span, scope, method, path, System.nanoTime());
    }

    @Override
    public void exitHttp(Object token, Object exchange, Throwable thrown) {
        HttpToken t = (HttpToken) token;
        long duration = System.nanoTime() - t.startNanos;
        currentExchange.remove();
        t.scope.close();
        HttpExchange ex = (HttpExchange) exchange;
        int code = ex.getResponseCode();
        // The route: the request path, unless nothing answered it (404), then the handler's context.
        String route = code == 404 || code < 0 ? ex.getHttpContext().getPath() : t.path;
        String name = t.method + " " + route;
        Span span = t.span;
        span.updateName(name);
        span.setAttribute(HTTP_ROUTE, route);
        StatusCode status = StatusCode.UNSET;
        if (code > 0) {
            span.setAttribute(HTTP_STATUS, (long) code);
        }
        if (thrown != null) {
            status = StatusCode.ERROR;
            span.setStatus(StatusCode.ERROR, thrown.getClass().getName());
            span.recordException(thrown);
        } else if (code >= 500) {
            status = StatusCode.ERROR;
            span.setStatus(StatusCode.ERROR);
        }
        span.end();
        if (spanMetrics != null) {
            spanMetrics.record(name, SpanKind.SERVER, status, null, null, duration);
        }
    }

    // ------------------------------------------------------------------ threads and queues

    @Override
    public Runnable wrap(Runnable task) {
        return handoff.wrap(task);
    }

    @Override
    public boolean enqueue(Object item) {
        return handoff.enqueue(item);
    }

    @Override
    public void enqueueFailed(Object item) {
        handoff.enqueueFailed(item);
    }

    @Override
    public void dequeued(Object item) {
        handoff.dequeued(item);
    }

    public void shutdown() {
        provider.shutdown();
    }

}
