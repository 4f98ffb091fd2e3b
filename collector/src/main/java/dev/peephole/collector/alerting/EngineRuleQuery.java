package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.Engine;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.Point;
import dev.peephole.collector.promql.PromQLEvalException;
import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.QueryResult;
import dev.peephole.collector.promql.ReadCarry;
import dev.peephole.collector.promql.Sample;
import dev.peephole.collector.promql.SelectRequest;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * A rule's instant query on the PromQL engine; a scalar result is one sample without labels, as in Prometheus.
 *
 * <p>Batched ({@link #prepare}): before a group evaluation, the reads all of the group's rules
 * will make at that timestamp are collected from their parsed expressions and handed to the
 * storage at once ({@link dev.peephole.collector.promql.SeriesSource#prefetch}: one query per
 * distinct window instead of one round trip per rule, which was most of a round's cost); each
 * rule is then evaluated against that snapshot. A read is taken ahead only when no rule of the
 * group can write what it selects: its selector names an exact metric that is neither a
 * recording rule of the group nor {@code ALERTS}. Every other read (a recording rule's output a
 * later rule needs, {@code ALERTS}, selectors without an exact name) happens live, when its
 * rule runs, as before, so a group's rules still see what earlier rules wrote.
 */
public final class EngineRuleQuery implements RuleGroup.Query {
    private final Engine engine;
    private final boolean batched;
    private final ReadCarry carry;

    public EngineRuleQuery(Engine engine) {
        this(engine, false);
    }

    /** @param batched whether {@link #prepare} reads a group's samples ahead in one go */
    public EngineRuleQuery(Engine engine, boolean batched) {
        this(engine, batched, null);
    }

    /**
     * @param carry what the group's previous batched read left for this one (see
     *              {@link dev.peephole.collector.promql.SeriesSource#prefetch(Collection, ReadCarry)}); null: nothing
     */
    public EngineRuleQuery(Engine engine, boolean batched, ReadCarry carry) {
        this.engine = engine;
        this.batched = batched;
        this.carry = carry;
    }

    /** The engine this query evaluates on (after {@link #prepare}: on the group's snapshot). */
    Engine engine() {
        return engine;
    }

    @Override
    public RuleGroup.Query prepare(Collection<String> exprs, long tsMs, Set<String> written) {
        if (!batched) {
            return this;
        }
        Set<SelectRequest> ahead = new LinkedHashSet<>();
        for (String expr : exprs) {
            List<SelectRequest> reads;
            try {
                reads = engine.instantSelects(expr, tsMs);
            } catch (RuntimeException e) {
                continue; // The rule reports its own error when it runs.
            }
            for (SelectRequest r : reads) {
                String name = r.metricName();
                if (name != null && !written.contains(name)) {
                    ahead.add(r);
                }
            }
        }
        if (ahead.isEmpty()) {
            return this;
        }
        try {
            return new EngineRuleQuery(engine.withSource(carry == null
                    ? engine.source().prefetch(ahead) : engine.source().prefetch(ahead, carry)), false);
        } catch (RuntimeException e) {
            // Storage trouble: every rule reads live and reports the error as its own.
            return this;
        }
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
