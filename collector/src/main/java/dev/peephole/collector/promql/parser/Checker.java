package dev.peephole.collector.promql.parser;

import dev.peephole.collector.promql.GoStrings;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.ast.AggregateExpr;
import dev.peephole.collector.promql.ast.AggregateOp;
import dev.peephole.collector.promql.ast.BinaryExpr;
import dev.peephole.collector.promql.ast.Call;
import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.ast.Function;
import dev.peephole.collector.promql.ast.MatrixSelector;
import dev.peephole.collector.promql.ast.NumberLiteral;
import dev.peephole.collector.promql.ast.ParenExpr;
import dev.peephole.collector.promql.ast.StringLiteral;
import dev.peephole.collector.promql.ast.SubqueryExpr;
import dev.peephole.collector.promql.ast.UnaryExpr;
import dev.peephole.collector.promql.ast.ValueType;
import dev.peephole.collector.promql.ast.VectorMatching;
import dev.peephole.collector.promql.ast.VectorSelector;
import java.util.ArrayList;
import java.util.List;

/**
 * Type checking, a port of Prometheus' checkAST: errors are collected in the same order and the first one is thrown.
 * Also normalizes vector matching (set operators become many-to-many; matching is dropped when an operand is scalar).
 */
final class Checker {
    private final String input;
    private PromQLParseException first;

    Checker(String input) {
        this.input = input;
    }

    Expr check(Expr e) {
        Expr r = walk(e);
        if (first != null) {
            throw first;
        }
        return r;
    }

    private void err(int pos, String msg) {
        if (first == null) {
            first = new PromQLParseException(input, pos, msg);
        }
    }

    private Expr expectType(Expr e, ValueType want, String context) {
        Expr r = walk(e);
        if (r.type() != want) {
            err(r.start(), "expected type " + want.documentedName() + " in " + context + ", got "
                + r.type().documentedName());
        }
        return r;
    }

    private int opPos(BinaryExpr b) {
        int p = b.lhs().end();
        while (p < input.length() && Lexer.isSpace(input.charAt(p))) {
            p++;
        }
        return p;
    }

    private Expr walk(Expr e) {
        if (e instanceof AggregateExpr) {
            AggregateExpr a = (AggregateExpr) e;
            Expr inner = expectType(a.expr(), ValueType.VECTOR, "aggregation expression");
            Expr param = a.param();
            if (a.op() == AggregateOp.TOPK || a.op() == AggregateOp.BOTTOMK || a.op() == AggregateOp.QUANTILE) {
                param = expectType(param, ValueType.SCALAR, "aggregation parameter");
            }
            if (a.op() == AggregateOp.COUNT_VALUES) {
                param = expectType(param, ValueType.STRING, "aggregation parameter");
            }
            return new AggregateExpr(a.op(), inner, param, a.grouping(), a.without(), a.start(), a.end());
        }
        if (e instanceof BinaryExpr) {
            BinaryExpr b = (BinaryExpr) e;
            Expr lhs = walk(b.lhs());
            Expr rhs = walk(b.rhs());
            ValueType lt = lhs.type();
            ValueType rt = rhs.type();
            VectorMatching m = b.matching();
            if (b.returnBool() && !b.op().isComparison()) {
                err(opPos(b), "bool modifier can only be used on comparison operators");
            }
            if (b.op().isComparison() && !b.returnBool() && lt == ValueType.SCALAR && rt == ValueType.SCALAR) {
                err(opPos(b), "comparisons between scalars must use BOOL modifier");
            }
            if (m != null && b.op().isSetOperator() && m.card() == VectorMatching.Cardinality.ONE_TO_ONE) {
                m = new VectorMatching(VectorMatching.Cardinality.MANY_TO_MANY, m.matchingLabels(), m.on(), m.include());
            }
            if (m != null && m.on()) {
                for (String l1 : m.matchingLabels()) {
                    for (String l2 : m.include()) {
                        if (l1.equals(l2)) {
                            err(opPos(b), "label " + GoStrings.quote(l1) + " must not occur in ON and GROUP clause at once");
                        }
                    }
                }
            }
            if (lt != ValueType.SCALAR && lt != ValueType.VECTOR) {
                err(lhs.start(), "binary expression must contain only scalar and instant vector types");
            }
            if (rt != ValueType.SCALAR && rt != ValueType.VECTOR) {
                err(rhs.start(), "binary expression must contain only scalar and instant vector types");
            }
            if ((lt != ValueType.VECTOR || rt != ValueType.VECTOR) && m != null) {
                if (!m.matchingLabels().isEmpty()) {
                    err(b.start(), "vector matching only allowed between instant vectors");
                }
                m = null;
            } else if (m != null && b.op().isSetOperator()) {
                if (m.card() == VectorMatching.Cardinality.ONE_TO_MANY
                    || m.card() == VectorMatching.Cardinality.MANY_TO_ONE) {
                    err(b.start(), "no grouping allowed for " + GoStrings.quote(b.op().symbol()) + " operation");
                }
                if (m.card() != VectorMatching.Cardinality.MANY_TO_MANY) {
                    err(b.start(), "set operations must always be many-to-many");
                }
            }
            if ((lt == ValueType.SCALAR || rt == ValueType.SCALAR) && b.op().isSetOperator()) {
                err(b.start(), "set operator " + GoStrings.quote(b.op().symbol())
                    + " not allowed in binary scalar expression");
            }
            return new BinaryExpr(b.op(), lhs, rhs, m, b.returnBool());
        }
        if (e instanceof Call) {
            Call c = (Call) e;
            Function f = c.function();
            int nargs = f.argTypes().size();
            int n = c.args().size();
            if (f.variadic() == 0) {
                if (nargs != n) {
                    err(c.start(), "expected " + nargs + " argument(s) in call to " + GoStrings.quote(f.name())
                        + ", got " + n);
                }
            } else {
                int na = nargs - 1;
                if (na > n) {
                    err(c.start(), "expected at least " + na + " argument(s) in call to " + GoStrings.quote(f.name())
                        + ", got " + n);
                } else if (f.variadic() > 0 && na + f.variadic() < n) {
                    err(c.start(), "expected at most " + (na + f.variadic()) + " argument(s) in call to "
                        + GoStrings.quote(f.name()) + ", got " + n);
                }
            }
            List<Expr> args = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                Expr a = walk(c.args().get(i));
                args.add(a);
                int ti = i;
                if (i >= nargs) {
                    if (f.variadic() == 0) {
                        continue;
                    }
                    ti = nargs - 1;
                }
                ValueType want = f.argTypes().get(ti);
                if (a.type() != want) {
                    err(a.start(), "expected type " + want.documentedName() + " in call to function "
                        + GoStrings.quote(f.name()) + ", got " + a.type().documentedName());
                }
            }
            return new Call(f, args, c.start(), c.end());
        }
        if (e instanceof ParenExpr) {
            ParenExpr p = (ParenExpr) e;
            return new ParenExpr(walk(p.expr()), p.start(), p.end());
        }
        if (e instanceof UnaryExpr) {
            UnaryExpr u = (UnaryExpr) e;
            Expr inner = walk(u.expr());
            if (inner.type() != ValueType.SCALAR && inner.type() != ValueType.VECTOR) {
                err(u.start(), "unary expression only allowed on expressions of type scalar or instant vector, got "
                    + GoStrings.quote(inner.type().documentedName()));
            }
            return new UnaryExpr(u.op(), inner, u.start());
        }
        if (e instanceof SubqueryExpr) {
            SubqueryExpr s = (SubqueryExpr) e;
            Expr inner = walk(s.expr());
            if (inner.type() != ValueType.VECTOR) {
                err(s.start(), "subquery is only allowed on instant vector, got " + inner.type().apiName() + " instead");
            }
            return new SubqueryExpr(inner, s.rangeMs(), s.stepMs(), s.offsetMs(), s.at(), s.start(), s.end());
        }
        if (e instanceof MatrixSelector) {
            MatrixSelector m = (MatrixSelector) e;
            walk(m.vectorSelector());
            return m;
        }
        if (e instanceof VectorSelector) {
            VectorSelector vs = (VectorSelector) e;
            if (!vs.name().isEmpty()) {
                List<LabelMatcher> ms = vs.matchers();
                for (int i = 0; i < ms.size() - 1; i++) {
                    if (ms.get(i).name().equals(Labels.METRIC_NAME)) {
                        err(vs.start(), "metric name must not be set twice: " + GoStrings.quote(vs.name()) + " or "
                            + GoStrings.quote(ms.get(i).value()));
                    }
                }
                return vs;
            }
            boolean notEmpty = false;
            for (LabelMatcher m : vs.matchers()) {
                if (!m.matches("")) {
                    notEmpty = true;
                    break;
                }
            }
            if (!notEmpty) {
                err(vs.start(), "vector selector must contain at least one non-empty matcher");
            }
            return vs;
        }
        if (e instanceof NumberLiteral || e instanceof StringLiteral) {
            return e;
        }
        throw new IllegalStateException("unknown node " + e);
    }
}
