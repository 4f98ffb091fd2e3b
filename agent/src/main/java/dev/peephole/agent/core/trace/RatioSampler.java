package dev.peephole.agent.core.trace;

import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.data.LinkData;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingResult;
import java.util.List;

/** Parent-based trace-id-ratio sampling whose ratio the collector's Settings change at run time. */
public final class RatioSampler implements Sampler {
    private volatile Sampler delegate;
    private volatile double ratio;

    public RatioSampler(double ratio) {
        setRatio(ratio);
    }

    public void setRatio(double r) {
        double clamped = Double.isNaN(r) ? 1.0 : Math.max(0.0, Math.min(1.0, r));
        ratio = clamped;
        delegate = Sampler.parentBased(clamped >= 1.0 ? Sampler.alwaysOn()
                : clamped <= 0.0 ? Sampler.alwaysOff() : Sampler.traceIdRatioBased(clamped));
    }

    public double ratio() {
        return ratio;
    }

    @Override
    public SamplingResult shouldSample(Context parentContext, String traceId, String name, SpanKind spanKind,
                                       Attributes attributes, List<LinkData> parentLinks) {
        return delegate.shouldSample(parentContext, traceId, name, spanKind, attributes, parentLinks);
    }

    @Override
    public String getDescription() {
        return "PeepholeRatioSampler{" + ratio + "}";
    }
}
