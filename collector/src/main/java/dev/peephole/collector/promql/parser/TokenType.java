package dev.peephole.collector.promql.parser;

/** Lexer item types, grouped like Prometheus' ItemType. */
public enum TokenType {
    EOF(Cat.OTHER, null, "end of input"),
    ERROR(Cat.OTHER, null, "error"),
    IDENTIFIER(Cat.OTHER, null, "identifier"),
    METRIC_IDENTIFIER(Cat.OTHER, null, "metric identifier"),
    NUMBER(Cat.OTHER, null, "number"),
    DURATION(Cat.OTHER, null, "duration"),
    STRING(Cat.OTHER, null, "string"),
    LEFT_PAREN(Cat.OTHER, "(", null),
    RIGHT_PAREN(Cat.OTHER, ")", null),
    LEFT_BRACE(Cat.OTHER, "{", null),
    RIGHT_BRACE(Cat.OTHER, "}", null),
    LEFT_BRACKET(Cat.OTHER, "[", null),
    RIGHT_BRACKET(Cat.OTHER, "]", null),
    COMMA(Cat.OTHER, ",", null),
    EQL(Cat.OTHER, "=", null),
    COLON(Cat.OTHER, ":", null),
    // operators
    SUB(Cat.OPERATOR, "-", null),
    ADD(Cat.OPERATOR, "+", null),
    MUL(Cat.OPERATOR, "*", null),
    MOD(Cat.OPERATOR, "%", null),
    DIV(Cat.OPERATOR, "/", null),
    EQLC(Cat.OPERATOR, "==", null),
    NEQ(Cat.OPERATOR, "!=", null),
    LTE(Cat.OPERATOR, "<=", null),
    LSS(Cat.OPERATOR, "<", null),
    GTE(Cat.OPERATOR, ">=", null),
    GTR(Cat.OPERATOR, ">", null),
    EQL_REGEX(Cat.OPERATOR, "=~", null),
    NEQ_REGEX(Cat.OPERATOR, "!~", null),
    POW(Cat.OPERATOR, "^", null),
    AT(Cat.OPERATOR, "@", null),
    LAND(Cat.OPERATOR, "and", null),
    LOR(Cat.OPERATOR, "or", null),
    LUNLESS(Cat.OPERATOR, "unless", null),
    ATAN2(Cat.OPERATOR, "atan2", null),
    // aggregators
    AVG(Cat.AGGREGATOR, "avg", null),
    BOTTOMK(Cat.AGGREGATOR, "bottomk", null),
    COUNT(Cat.AGGREGATOR, "count", null),
    COUNT_VALUES(Cat.AGGREGATOR, "count_values", null),
    GROUP(Cat.AGGREGATOR, "group", null),
    MAX(Cat.AGGREGATOR, "max", null),
    MIN(Cat.AGGREGATOR, "min", null),
    QUANTILE(Cat.AGGREGATOR, "quantile", null),
    STDDEV(Cat.AGGREGATOR, "stddev", null),
    STDVAR(Cat.AGGREGATOR, "stdvar", null),
    SUM(Cat.AGGREGATOR, "sum", null),
    TOPK(Cat.AGGREGATOR, "topk", null),
    // keywords
    BOOL(Cat.KEYWORD, "bool", null),
    BY(Cat.KEYWORD, "by", null),
    GROUP_LEFT(Cat.KEYWORD, "group_left", null),
    GROUP_RIGHT(Cat.KEYWORD, "group_right", null),
    IGNORING(Cat.KEYWORD, "ignoring", null),
    OFFSET(Cat.KEYWORD, "offset", null),
    ON(Cat.KEYWORD, "on", null),
    WITHOUT(Cat.KEYWORD, "without", null),
    // preprocessors
    START(Cat.PREPROCESSOR, "start", null),
    END(Cat.PREPROCESSOR, "end", null);

    enum Cat { OTHER, OPERATOR, AGGREGATOR, KEYWORD, PREPROCESSOR }

    final Cat cat;
    /** Prometheus' ItemTypeStr entry, or null. */
    final String str;
    /** Prometheus' ItemType.desc() for types without an ItemTypeStr entry. */
    final String desc;

    TokenType(Cat cat, String str, String desc) {
        this.cat = cat;
        this.str = str;
        this.desc = desc;
    }

    boolean isOperator() {
        return cat == Cat.OPERATOR;
    }

    boolean isAggregator() {
        return cat == Cat.AGGREGATOR;
    }

    boolean isKeyword() {
        return cat == Cat.KEYWORD;
    }
}
