package dev.peephole.collector.promql.ast;

/** A parsed PromQL expression. Positions are 0-based char offsets into the query ({@code end} exclusive). */
public sealed interface Expr
    permits NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, SubqueryExpr, Call, AggregateExpr,
    BinaryExpr, UnaryExpr, ParenExpr {

    /** The value type this expression evaluates to. */
    ValueType type();

    /** Start offset (inclusive). */
    int start();

    /** End offset (exclusive). */
    int end();
}
