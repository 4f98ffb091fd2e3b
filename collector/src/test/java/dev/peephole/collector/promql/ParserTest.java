package dev.peephole.collector.promql;

import static dev.peephole.collector.promql.TestUtil.parseError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.peephole.collector.promql.ast.AggregateExpr;
import dev.peephole.collector.promql.ast.AggregateOp;
import dev.peephole.collector.promql.ast.At;
import dev.peephole.collector.promql.ast.BinaryExpr;
import dev.peephole.collector.promql.ast.BinaryOp;
import dev.peephole.collector.promql.ast.Call;
import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.ast.MatrixSelector;
import dev.peephole.collector.promql.ast.NumberLiteral;
import dev.peephole.collector.promql.ast.ParenExpr;
import dev.peephole.collector.promql.ast.StringLiteral;
import dev.peephole.collector.promql.ast.SubqueryExpr;
import dev.peephole.collector.promql.ast.UnaryExpr;
import dev.peephole.collector.promql.ast.ValueType;
import dev.peephole.collector.promql.ast.VectorMatching;
import dev.peephole.collector.promql.ast.VectorSelector;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ParserTest {

    private static double num(String q) {
        Expr e = PromQLParser.parse(q);
        return assertInstanceOf(NumberLiteral.class, e).value();
    }

    @Test
    void numberLiterals() {
        assertEquals(1, num("1"));
        assertEquals(0.5, num(".5"));
        assertEquals(5, num("5."));
        assertEquals(123.4567, num("123.4567"));
        assertEquals(0.005, num("5e-3"));
        assertEquals(5000, num("5e3"));
        assertEquals(12, num("0xc"));
        assertEquals(493, num("0755"));
        assertEquals(-493, num("-0755"));
        assertEquals(0.0055, num("+5.5e-3"));
        assertEquals(Double.POSITIVE_INFINITY, num("+Inf"));
        assertEquals(Double.NEGATIVE_INFINITY, num("-inf"));
        assertTrue(Double.isNaN(num("NaN")));
        assertEquals(1000, num("1_000"));
    }

    @Test
    void stringLiterals() {
        assertEquals("a\nb", ((StringLiteral) PromQLParser.parse("\"a\\nb\"")).value());
        assertEquals("single", ((StringLiteral) PromQLParser.parse("'single'")).value());
        assertEquals("raw\\n", ((StringLiteral) PromQLParser.parse("`raw\\n`")).value());
        assertEquals("é", ((StringLiteral) PromQLParser.parse("\"\\u00e9\"")).value());
        assertEquals("é", ((StringLiteral) PromQLParser.parse("\"\\xc3\\xa9\"")).value());
        assertEquals("it's", ((StringLiteral) PromQLParser.parse("'it\\'s'")).value());
        assertEquals(ValueType.STRING, PromQLParser.parse("\"x\"").type());
    }

    @Test
    void precedenceAndAssociativity() {
        BinaryExpr e = (BinaryExpr) PromQLParser.parse("1 + 2 * 3");
        assertEquals(BinaryOp.ADD, e.op());
        assertEquals(BinaryOp.MUL, ((BinaryExpr) e.rhs()).op());

        // ^ is right associative
        BinaryExpr pow = (BinaryExpr) PromQLParser.parse("2 ^ 3 ^ 2");
        assertInstanceOf(NumberLiteral.class, pow.lhs());
        assertEquals(BinaryOp.POW, ((BinaryExpr) pow.rhs()).op());

        // - - is left associative
        BinaryExpr sub = (BinaryExpr) PromQLParser.parse("a - b - c");
        assertInstanceOf(BinaryExpr.class, sub.lhs());

        // unary minus binds like *, weaker than ^: -1^2 == -(1^2)
        UnaryExpr u = (UnaryExpr) PromQLParser.parse("-1^2");
        assertEquals(BinaryOp.POW, ((BinaryExpr) u.expr()).op());
        // ... and a negative literal is folded: -1*2 == (-1)*2
        BinaryExpr m = (BinaryExpr) PromQLParser.parse("-1*2");
        assertEquals(-1, ((NumberLiteral) m.lhs()).value());
        // +1 + -2 * 1
        BinaryExpr p = (BinaryExpr) PromQLParser.parse("+1 + -2 * 1");
        assertEquals(BinaryOp.ADD, p.op());
        assertEquals(-2, ((NumberLiteral) ((BinaryExpr) p.rhs()).lhs()).value());

        // or < and/unless < comparison < + < * < ^
        BinaryExpr or = (BinaryExpr) PromQLParser.parse("foo + bar or bla and blub");
        assertEquals(BinaryOp.OR, or.op());
        assertEquals(BinaryOp.ADD, ((BinaryExpr) or.lhs()).op());
        assertEquals(BinaryOp.AND, ((BinaryExpr) or.rhs()).op());
        BinaryExpr un = (BinaryExpr) PromQLParser.parse("foo and bar unless baz or qux");
        assertEquals(BinaryOp.OR, un.op());
        assertEquals(BinaryOp.UNLESS, ((BinaryExpr) un.lhs()).op());
        BinaryExpr cmp = (BinaryExpr) PromQLParser.parse("a + b > c * d");
        assertEquals(BinaryOp.GTR, cmp.op());

        assertInstanceOf(ParenExpr.class, ((BinaryExpr) PromQLParser.parse("1 + 2/(3*1)")).rhs() instanceof BinaryExpr
            ? ((BinaryExpr) ((BinaryExpr) PromQLParser.parse("1 + 2/(3*1)")).rhs()).rhs() : null);
    }

    @Test
    void scalarArithmeticFollowsPrecedence() {
        Engine e = new Engine(new InMemorySource());
        assertEquals(512, TestUtil.scalar(e, "2 ^ 3 ^ 2", 0));
        assertEquals(-4, TestUtil.scalar(e, "-2 ^ 2", 0));
        assertEquals(5, TestUtil.scalar(e, "1 + 2 * 3 - 4 / 2", 0));
        assertEquals(9, TestUtil.scalar(e, "(1 + 2) * 3", 0));
        assertEquals(1, TestUtil.scalar(e, "10 % 3", 0));
        assertEquals(-1, TestUtil.scalar(e, "-10 % 3", 0));
        assertEquals(-6, TestUtil.scalar(e, "2 * -3", 0));
        assertEquals(1, TestUtil.scalar(e, "1 < bool 2", 0));
        assertEquals(0, TestUtil.scalar(e, "1 > bool 2", 0));
        assertEquals(1, TestUtil.scalar(e, "1 < bool 2 - 1 * 2 + 2", 0));
        assertEquals(1, TestUtil.scalar(e, "2 ^ 0.5 ^ 0", 0) / 2);
        assertEquals(Math.atan2(1, 2), TestUtil.scalar(e, "1 atan2 2", 0), 1e-15);
    }

    @Test
    void selectors() {
        VectorSelector vs = (VectorSelector) PromQLParser.parse("foo{a=\"b\",c!=\"d\",e=~\"f.*\",g!~\"h\"}");
        assertEquals("foo", vs.name());
        assertEquals(List.of(LabelMatcher.eq("a", "b"), LabelMatcher.neq("c", "d"), LabelMatcher.re("e", "f.*"),
            LabelMatcher.nre("g", "h"), LabelMatcher.eq("__name__", "foo")), vs.matchers());
        assertEquals(0, vs.start());
        assertEquals(33, vs.end());

        VectorSelector re = (VectorSelector) PromQLParser.parse("{__name__=~\"foo.*\"}");
        assertEquals("", re.name());
        assertEquals(List.of(LabelMatcher.re("__name__", "foo.*")), re.matchers());

        // trailing comma, single quotes, backticks
        VectorSelector tc = (VectorSelector) PromQLParser.parse("foo{a='b', c=`d`,}");
        assertEquals(3, tc.matchers().size());

        // keywords as metric names and label names
        assertEquals("sum", ((VectorSelector) PromQLParser.parse("sum")).name());
        assertEquals("offset", ((VectorSelector) PromQLParser.parse("offset{step=\"1s\"}")).name());
        assertEquals("by", ((VectorSelector) PromQLParser.parse("by")).name());
        assertEquals("foo:bar", ((VectorSelector) PromQLParser.parse("foo:bar")).name());
        VectorSelector kw = (VectorSelector) PromQLParser.parse("foo{on=\"x\", sum=\"y\"}");
        assertEquals("on", kw.matchers().get(0).name());
    }

    @Test
    void rangesOffsetsAndAt() {
        MatrixSelector ms = (MatrixSelector) PromQLParser.parse("foo[1h30m]");
        assertEquals(5_400_000, ms.rangeMs());
        assertEquals(86_400_000L, ((MatrixSelector) PromQLParser.parse("foo[1d]")).rangeMs());
        assertEquals(7 * 86_400_000L, ((MatrixSelector) PromQLParser.parse("foo[1w]")).rangeMs());
        assertEquals(365 * 86_400_000L, ((MatrixSelector) PromQLParser.parse("foo[1y]")).rangeMs());
        assertEquals(500, ((MatrixSelector) PromQLParser.parse("foo[500ms]")).rangeMs());
        assertEquals(90_000, ((MatrixSelector) PromQLParser.parse("foo[1m30s]")).rangeMs());
        assertEquals(ValueType.MATRIX, ms.type());

        VectorSelector off = (VectorSelector) PromQLParser.parse("foo offset 5m");
        assertEquals(300_000, off.offsetMs());
        assertEquals(-300_000, ((VectorSelector) PromQLParser.parse("foo offset -5m")).offsetMs());
        MatrixSelector mo = (MatrixSelector) PromQLParser.parse("foo[5m] offset 1w");
        assertEquals(7 * 86_400_000L, mo.vectorSelector().offsetMs());

        VectorSelector at = (VectorSelector) PromQLParser.parse("foo @ 1609746000");
        assertEquals(new At(At.Kind.TIMESTAMP, 1_609_746_000_000L), at.at());
        assertEquals(At.Kind.START, ((VectorSelector) PromQLParser.parse("foo @ start()")).at().kind());
        MatrixSelector atm = (MatrixSelector) PromQLParser.parse("foo[5m] @ 100.5 offset 1m");
        assertEquals(100_500, atm.vectorSelector().at().timestampMs());
        assertEquals(60_000, atm.vectorSelector().offsetMs());

        // offset binds tighter than binary operators and unary minus
        BinaryExpr b = (BinaryExpr) PromQLParser.parse("a + b offset 5m");
        assertEquals(300_000, ((VectorSelector) b.rhs()).offsetMs());
        UnaryExpr u = (UnaryExpr) PromQLParser.parse("-foo offset 5m");
        assertEquals(300_000, ((VectorSelector) u.expr()).offsetMs());

        SubqueryExpr sq = (SubqueryExpr) PromQLParser.parse("rate(foo[5m])[30m:1m] offset 1h");
        assertEquals(1_800_000, sq.rangeMs());
        assertEquals(60_000, sq.stepMs());
        assertEquals(3_600_000, sq.offsetMs());
        assertEquals(0, ((SubqueryExpr) PromQLParser.parse("foo[30m:]")).stepMs());

        // Prometheus 3: numbers are durations in seconds and durations are numbers of seconds
        assertEquals(600_000, ((MatrixSelector) PromQLParser.parse("foo[600]")).rangeMs());
        assertEquals(1_500, ((MatrixSelector) PromQLParser.parse("foo[1.5]")).rangeMs());
        assertEquals(60_000, ((VectorSelector) PromQLParser.parse("foo offset 60")).offsetMs());
        assertEquals(10_000, ((SubqueryExpr) PromQLParser.parse("foo[1m:10]")).stepMs());
        assertEquals(3600, num("1h"));
        assertEquals(-90, num("-1m30s"));
    }

    @Test
    void aggregations() {
        AggregateExpr a = (AggregateExpr) PromQLParser.parse("sum by (job, instance) (rate(x[5m]))");
        assertEquals(AggregateOp.SUM, a.op());
        assertEquals(List.of("job", "instance"), a.grouping());
        assertFalse(a.without());
        AggregateExpr after = (AggregateExpr) PromQLParser.parse("sum(rate(x[5m])) by (job, instance)");
        assertEquals(a.grouping(), after.grouping());
        AggregateExpr w = (AggregateExpr) PromQLParser.parse("avg without (instance) (x)");
        assertTrue(w.without());
        AggregateExpr t = (AggregateExpr) PromQLParser.parse("topk(5, x)");
        assertEquals(5, ((NumberLiteral) t.param()).value());
        AggregateExpr cv = (AggregateExpr) PromQLParser.parse("count_values(\"v\", x)");
        assertEquals("v", ((StringLiteral) cv.param()).value());
        AggregateExpr kw = (AggregateExpr) PromQLParser.parse("SUM BY (on, offset, group_left,) (x)");
        assertEquals(List.of("on", "offset", "group_left"), kw.grouping());
        assertEquals(List.of(), ((AggregateExpr) PromQLParser.parse("sum by () (x)")).grouping());
        assertNull(a.param());
    }

    @Test
    void vectorMatching() {
        BinaryExpr b = (BinaryExpr) PromQLParser.parse("a * on(job) group_left(x, y) b");
        assertEquals(VectorMatching.Cardinality.MANY_TO_ONE, b.matching().card());
        assertTrue(b.matching().on());
        assertEquals(List.of("job"), b.matching().matchingLabels());
        assertEquals(List.of("x", "y"), b.matching().include());
        BinaryExpr r = (BinaryExpr) PromQLParser.parse("a / ignoring(i) group_right b");
        assertEquals(VectorMatching.Cardinality.ONE_TO_MANY, r.matching().card());
        assertFalse(r.matching().on());
        BinaryExpr s = (BinaryExpr) PromQLParser.parse("a and b");
        assertEquals(VectorMatching.Cardinality.MANY_TO_MANY, s.matching().card());
        BinaryExpr bool = (BinaryExpr) PromQLParser.parse("a > bool on(job) b");
        assertTrue(bool.returnBool());
        // scalar operand: no matching
        assertNull(((BinaryExpr) PromQLParser.parse("a * 2")).matching());
    }

    @Test
    void functionCalls() {
        Call c = (Call) PromQLParser.parse("histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))");
        assertEquals("histogram_quantile", c.function().name());
        assertEquals(2, c.args().size());
        assertEquals(ValueType.SCALAR, PromQLParser.parse("time()").type());
        assertEquals(ValueType.SCALAR, PromQLParser.parse("scalar(x)").type());
        assertEquals(ValueType.VECTOR, PromQLParser.parse("round(x)").type());
        assertEquals(ValueType.VECTOR, PromQLParser.parse("round(x, 5)").type());
        PromQLParser.parse("label_join(x, \"a\", \",\", \"b\", \"c\", \"d\")");
        PromQLParser.parse("rate((x[5m]))");
    }

    @Test
    void commentsAndWhitespace() {
        Expr e = PromQLParser.parse("sum( # comment\n  x ) # trailing");
        assertInstanceOf(AggregateExpr.class, e);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
        // query | position | message (as Prometheus writes it)
        "sum(rate(x[5m])|15|1:16: parse error: unclosed left parenthesis",
        "foo{a=}|6|1:7: parse error: unexpected \"}\" in label matching, expected string",
        "rate(x)|5|1:6: parse error: expected type range vector in call to function \"rate\", got instant vector",
        "1 +|3|1:4: parse error: unexpected end of input",
        "1+|2|1:3: parse error: unexpected end of input",
        "''|0|1:1: parse error: no expression found in input",
        ".|0|1:1: parse error: unexpected character: '.'",
        "2.5.|0|1:1: parse error: bad number or duration syntax: \"2.5.\"",
        "0deadbeef|0|1:1: parse error: bad number or duration syntax: \"0de\"",
        "*1|0|1:1: parse error: unexpected <op:*>",
        "(1))|4|1:5: parse error: unexpected right parenthesis ')'",
        "((1)|4|1:5: parse error: unclosed left parenthesis",
        "1 and 1|0|1:1: parse error: set operator \"and\" not allowed in binary scalar expression",
        "1 == 1|2|1:3: parse error: comparisons between scalars must use BOOL modifier",
        "1 !~ 1|2|1:3: parse error: unexpected character after '!': '~'",
        "-\"string\"|0|1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"string\"",
        "-test[5m]|0|1:1: parse error: unary expression only allowed on expressions of type scalar or instant vector, got \"range vector\"",
        "1 offset 1d|0|1:1: parse error: offset modifier must be preceded by an instant vector selector or range vector selector or a subquery",
        "foo offset 1s offset 2s|0|1:1: parse error: offset may not be set multiple times",
        "a - on(b) ignoring(c) d|10|1:11: parse error: unexpected <ignoring>",
        "foo + group_left(baz) bar|6|1:7: parse error: unexpected <group_left>",
        "foo and on(bar) group_left(baz) bar|0|1:1: parse error: no grouping allowed for \"and\" operation",
        "foo + bool bar|4|1:5: parse error: bool modifier can only be used on comparison operators",
        "1 or on(bar) foo|0|1:1: parse error: vector matching only allowed between instant vectors",
        "{|1|1:2: parse error: unexpected end of input inside braces",
        "some_metric{a=b}|14|1:15: parse error: unexpected identifier \"b\" in label matching, expected string",
        "foo{gibberish}|13|1:14: parse error: unexpected \"}\" in label matching, expected label matching operator",
        "foo{1}|4|1:5: parse error: unexpected character inside braces: '1'",
        "{}|0|1:1: parse error: vector selector must contain at least one non-empty matcher",
        "{x=~\".*\"}|0|1:1: parse error: vector selector must contain at least one non-empty matcher",
        "foo{__name__=\"bar\"}|0|1:1: parse error: metric name must not be set twice: \"foo\" or \"bar\"",
        "foo{,}|4|1:5: parse error: unexpected \",\" in label matching, expected identifier or \"}\"",
        "foo{__name__=\"bar\" lol}|19|1:20: parse error: unexpected identifier \"lol\" in label matching, expected \",\" or \"}\"",
        "foo{a=\"b\\q\"}|6|1:7: parse error: unknown escape sequence U+0071 'q'",
        "foo{a=\"b|6|1:7: parse error: unterminated quoted string",
        "foo[5mm]|4|1:5: parse error: bad duration syntax: \"5mm\"",
        "foo[5y1hs]|4|1:5: parse error: unknown unit \"hs\" in duration \"5y1hs\"",
        "foo[5m1h]|4|1:5: parse error: not a valid duration string: \"5m1h\"",
        "foo[0m]|4|1:5: parse error: duration must be greater than 0",
        "foo[x]|4|1:5: parse error: bad duration syntax: \"\"",
        "foo[0]|4|1:5: parse error: duration must be greater than 0",
        "foo[5m|6|1:7: parse error: unclosed left bracket",
        "some_metric[5m] OFFSET foo|23|1:24: parse error: unexpected identifier \"foo\" in offset, expected duration",
        "some_metric[5m] OFFSET|22|1:23: parse error: unexpected end of input in offset, expected duration",
        "some_metric OFFSET 1m[5m]|21|1:22: parse error: no offset modifiers allowed before range",
        "(foo + bar)[5m]|11|1:12: parse error: ranges only allowed for vector selectors",
        "rate(food[1m])[1h] offset 1h|14|1:15: parse error: ranges only allowed for vector selectors",
        "some_metric[5m] @|17|1:18: parse error: unexpected end of input in @, expected timestamp",
        "some_metric @ 1234 [5m]|19|1:20: parse error: no @ modifiers allowed before range",
        "foo[5m:1m1]|7|1:8: parse error: bad number or duration syntax: \"1m1\"",
        "test[5d] OFFSET 10s [10m:5s]|0|1:1: parse error: subquery is only allowed on instant vector, got matrix instead",
        "sum without(==) (some_metric)|12|1:13: parse error: unexpected <op:==> in grouping opts, expected label",
        "sum without(foo,,) (some_metric)|16|1:17: parse error: unexpected \",\" in grouping opts, expected label",
        "sum by (a b) (x)|10|1:11: parse error: unexpected identifier \"b\" in grouping opts, expected \",\" or \")\"",
        "sum (some_metric) by test|21|1:22: parse error: unexpected identifier \"test\" in grouping opts, expected \"(\"",
        "sum () by (test)|0|1:1: parse error: no arguments for aggregate expression provided",
        "sum by (a) x|11|1:12: parse error: unexpected identifier \"x\" in aggregation",
        "sum(1 +)|7|1:8: parse error: unexpected \")\" in aggregation",
        "sum (some_metric) without (test) by (test)|33|1:34: parse error: unexpected <by>",
        "topk(some_metric)|0|1:1: parse error: wrong number of arguments for aggregate expression provided, expected 2, got 1",
        "topk(some_metric,)|16|1:17: parse error: trailing commas not allowed in function call args",
        "topk(some_metric, other_metric)|5|1:6: parse error: expected type scalar in aggregation parameter, got instant vector",
        "count_values(5, other_metric)|13|1:14: parse error: expected type string in aggregation parameter, got scalar",
        "floor()|0|1:1: parse error: expected 1 argument(s) in call to \"floor\", got 0",
        "floor(1)|6|1:7: parse error: expected type instant vector in call to function \"floor\", got scalar",
        "round(x, 1, 2)|0|1:1: parse error: expected at most 2 argument(s) in call to \"round\", got 3",
        "label_join(x, \"a\")|0|1:1: parse error: expected at least 3 argument(s) in call to \"label_join\", got 2",
        "time(some_metric)|0|1:1: parse error: expected 0 argument(s) in call to \"time\", got 1",
        "non_existent_function_far_bar()|0|1:1: parse error: unknown function with name \"non_existent_function_far_bar\"",
        "a>b()|2|1:3: parse error: unknown function with name \"b\"",
        "foo bar|4|1:5: parse error: unexpected identifier \"bar\"",
        "-=|1|1:2: parse error: unexpected \"=\"",
        "http_requests + on(instance) group_left(job,instance) cpu_count|14|1:15: parse error: label \"instance\" must not occur in ON and GROUP clause at once",
        "x{a=~\"(\"}|2|1:3: parse error: error parsing regexp: Unclosed group: `(`",
    })
    void parseErrors(String query, int position, String message) {
        PromQLParseException e = parseError(query);
        assertEquals(message, e.getMessage());
        assertEquals(position, e.position());
    }

    @Test
    void multiLinePositions() {
        PromQLParseException e = parseError("foo\n  + ");
        assertEquals("2:5: parse error: unexpected end of input", e.getMessage());
        assertEquals(8, e.position());
        assertEquals("unexpected end of input", e.detail());
    }

    @Test
    void seriesSelector() {
        assertEquals(List.of(LabelMatcher.eq("job", "x"), LabelMatcher.eq("__name__", "up")),
            PromQLParser.parseSeriesSelector("up{job=\"x\"}"));
        assertEquals(List.of(LabelMatcher.re("__name__", "a.*")), PromQLParser.parseSeriesSelector("{__name__=~\"a.*\"}"));
        assertEquals(List.of(LabelMatcher.eq("__name__", "sum")), PromQLParser.parseSeriesSelector("sum"));
        // no non-empty check in the parser (the API layer does it), but a helper exists
        List<LabelMatcher> empty = PromQLParser.parseSeriesSelector("{a=\"\"}");
        assertFalse(PromQLParser.hasNonEmptyMatcher(empty));
        assertTrue(PromQLParser.hasNonEmptyMatcher(PromQLParser.parseSeriesSelector("up")));
        PromQLParseException e = assertThrows(PromQLParseException.class, () -> PromQLParser.parseSeriesSelector("up{"));
        assertEquals("1:4: parse error: unexpected end of input inside braces", e.getMessage());
        e = assertThrows(PromQLParseException.class, () -> PromQLParser.parseSeriesSelector("sum(up)"));
        assertEquals("1:4: parse error: unexpected \"(\"", e.getMessage());
        e = assertThrows(PromQLParseException.class, () -> PromQLParser.parseSeriesSelector("up + 1"));
        assertEquals("1:4: parse error: unexpected <op:+>", e.getMessage());
    }

    @Test
    void toStringRoundTrips() {
        String[] qs = {"sum by (job) (rate(x{a=\"b\"}[5m] offset 1h))", "a * on(job) group_left(x) b",
            "histogram_quantile(0.9, x)", "-x", "topk(3, x)", "max_over_time(x[10m:1m])", "foo @ 100", "x > bool 1"};
        for (String q : qs) {
            Expr e = PromQLParser.parse(q);
            assertEquals(e.toString(), PromQLParser.parse(e.toString()).toString(), q);
        }
    }

    @Test
    void labelMatchers() {
        assertTrue(LabelMatcher.eq("a", "").matches((String) null));
        assertTrue(LabelMatcher.re("a", "").matches(""));
        assertTrue(LabelMatcher.re("a", "fo+").matches("fooo"));
        assertFalse(LabelMatcher.re("a", "fo+").matches("xfoo"), "anchored");
        assertTrue(LabelMatcher.nre("a", "fo+").matches("xfoo"));
        assertTrue(LabelMatcher.re("a", "a.b").matches("a\nb"), "dot matches newline (Prometheus 3)");
        assertTrue(LabelMatcher.re("a", "(?P<x>a)b").matches("ab"), "RE2 named group");
        assertTrue(LabelMatcher.re("a", "[[:digit:]]+").matches("123"), "POSIX class");
        assertTrue(LabelMatcher.re("a", "{x}").matches("{x}"), "literal brace");
        assertTrue(LabelMatcher.re("a", "a{2}").matches("aa"), "repetition");
        assertTrue(LabelMatcher.re("job", "api|db").matches(Labels.of("job", "db")));
        assertFalse(LabelMatcher.neq("job", "x").matches(Labels.of("job", "x")));
        assertEquals("job=~\"a.*\"", LabelMatcher.re("job", "a.*").toString());
        assertThrows(IllegalArgumentException.class, () -> LabelMatcher.re("a", "("));
    }
}
