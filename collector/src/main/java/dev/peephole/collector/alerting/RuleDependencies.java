package dev.peephole.collector.alerting;

import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.PromQLParser;
import dev.peephole.collector.promql.ast.AggregateExpr;
import dev.peephole.collector.promql.ast.BinaryExpr;
import dev.peephole.collector.promql.ast.Call;
import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.ast.MatrixSelector;
import dev.peephole.collector.promql.ast.ParenExpr;
import dev.peephole.collector.promql.ast.SubqueryExpr;
import dev.peephole.collector.promql.ast.UnaryExpr;
import dev.peephole.collector.promql.ast.VectorSelector;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Whether a group's rules may run at the same time, as Prometheus' concurrent rule evaluation
 * decides: not when a rule reads a metric that a recording rule of the same group writes (it
 * must see that round's samples), nor when a rule selects by something other than an exact
 * metric name (it might). Everything else in a group is independent.
 */
final class RuleDependencies {
    private RuleDependencies() {
    }

    static boolean independent(List<RuleSpec> rules) {
        Set<String> recorded = new HashSet<>();
        for (RuleSpec r : rules) {
            if (!r.alerting()) {
                recorded.add(r.name());
            }
        }
        recorded.add("ALERTS");
        for (RuleSpec r : rules) {
            Set<String> names = new HashSet<>();
            try {
                if (!metricNames(PromQLParser.parse(r.expr()), names)) {
                    return false;
                }
            } catch (PromQLParseException e) {
                return false;
            }
            for (String n : names) {
                if (recorded.contains(n)) {
                    return false;
                }
            }
        }
        return true;
    }

    /** Adds the metric names the expression selects; false when a selector names none. */
    private static boolean metricNames(Expr e, Set<String> out) {
        if (e instanceof VectorSelector v) {
            if (v.name() == null || v.name().isEmpty()) {
                return false;
            }
            out.add(v.name());
            return true;
        }
        if (e instanceof MatrixSelector m) {
            return metricNames(m.vectorSelector(), out);
        }
        if (e instanceof SubqueryExpr s) {
            return metricNames(s.expr(), out);
        }
        if (e instanceof ParenExpr p) {
            return metricNames(p.expr(), out);
        }
        if (e instanceof UnaryExpr u) {
            return metricNames(u.expr(), out);
        }
        if (e instanceof BinaryExpr b) {
            return metricNames(b.lhs(), out) && metricNames(b.rhs(), out);
        }
        if (e instanceof AggregateExpr a) {
            return metricNames(a.expr(), out) && (a.param() == null || metricNames(a.param(), out));
        }
        if (e instanceof Call c) {
            for (Expr arg : c.args()) {
                if (!metricNames(arg, out)) {
                    return false;
                }
            }
        }
        return true;
    }
}
