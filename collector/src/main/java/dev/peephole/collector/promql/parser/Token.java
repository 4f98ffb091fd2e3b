package dev.peephole.collector.promql.parser;

import dev.peephole.collector.promql.GoStrings;

/** A lexer item: type, 0-based start offset and the raw text (or the error message for ERROR). */
public record Token(TokenType type, int pos, String val) {

    /** Prometheus' Item.String(). */
    @Override
    public String toString() {
        switch (type) {
            case EOF:
                return "EOF";
            case ERROR:
                return val;
            case IDENTIFIER:
            case METRIC_IDENTIFIER:
                return GoStrings.quote(val);
            default:
                break;
        }
        if (type.isKeyword()) {
            return "<" + val + ">";
        }
        if (type.isOperator()) {
            return "<op:" + val + ">";
        }
        if (type.isAggregator()) {
            return "<aggr:" + val + ">";
        }
        if (val.length() > 10) {
            return GoStrings.quotePrefix(val, 10) + "...";
        }
        return GoStrings.quote(val);
    }

    /** Prometheus' Item.desc(), used in "unexpected ..." messages. */
    public String desc() {
        if (type.str != null) {
            return toString();
        }
        if (type == TokenType.EOF) {
            return type.desc;
        }
        return type.desc + " " + this;
    }

    /** End offset (exclusive) of the raw text. */
    public int end() {
        return pos + val.length();
    }
}
