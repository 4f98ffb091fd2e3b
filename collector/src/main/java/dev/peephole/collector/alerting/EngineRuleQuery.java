package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Point;
import dev.peephole.collector.promql.PromQLEvalException;
import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.QueryResult;
import dev.peephole.collector.promql.Sample;
import java.util.List;

/** A rule's instant query on the PromQL engine; a scalar result is one sample without labels, as in Prometheus. */
public final class EngineRuleQuery implements RuleGroup.Query {
    private final Engine engine;

    public EngineRuleQuery(Engine engine) {
        this.engine = engine;
    }

    @Override
    public List<Sample> instant(String expr, long tsMs) throws RuleEvalException {
        QueryResult r;
        try {
            r = engine.instantQuery(expr, tsMs);
        } catch (PromQLParseException | PromQLEvalException e) {
            throw new RuleEvalException(e.getMessage(), e);
        }
        switch (r.resultType()) {
            case "vector":
                return r.vector();
            case "scalar":
                Point p = r.scalar();
                return List.of(new Sample(Labels.EMPTY, p.tMs(), p.v()));
            default:
                throw new RuleEvalException("rule result is not a vector or scalar");
        }
    }
}
