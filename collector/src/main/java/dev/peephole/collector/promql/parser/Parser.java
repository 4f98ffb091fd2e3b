package dev.peephole.collector.promql.parser;

import dev.peephole.collector.promql.GoStrings;
import dev.peephole.collector.promql.LabelMatcher;
import dev.peephole.collector.promql.Labels;
import dev.peephole.collector.promql.PromQLParseException;
import dev.peephole.collector.promql.ast.AggregateExpr;
import dev.peephole.collector.promql.ast.AggregateOp;
import dev.peephole.collector.promql.ast.At;
import dev.peephole.collector.promql.ast.BinaryExpr;
import dev.peephole.collector.promql.ast.BinaryOp;
import dev.peephole.collector.promql.ast.Call;
import dev.peephole.collector.promql.ast.Durations;
import dev.peephole.collector.promql.ast.Expr;
import dev.peephole.collector.promql.ast.Function;
import dev.peephole.collector.promql.ast.MatrixSelector;
import dev.peephole.collector.promql.ast.NumberLiteral;
import dev.peephole.collector.promql.ast.ParenExpr;
import dev.peephole.collector.promql.ast.StringLiteral;
import dev.peephole.collector.promql.ast.SubqueryExpr;
import dev.peephole.collector.promql.ast.UnaryExpr;
import dev.peephole.collector.promql.ast.VectorMatching;
import dev.peephole.collector.promql.ast.VectorSelector;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

/**
 * Recursive-descent / precedence-climbing PromQL parser. It follows the grammar of Prometheus'
 * generated_parser.y, including its error messages ("unexpected X in Y, expected Z") and the order in which errors are
 * reported; type checking is done afterwards by {@link Checker} like Prometheus' checkAST.
 */
public final class Parser {
    /** Tokens that may be used as a metric name (Prometheus' metric_identifier rule). */
    private static final Set<TokenType> METRIC_IDENTIFIER_TOKENS = EnumSet.of(TokenType.AVG, TokenType.BOTTOMK,
        TokenType.BY, TokenType.COUNT, TokenType.COUNT_VALUES, TokenType.GROUP, TokenType.IDENTIFIER, TokenType.LAND,
        TokenType.LOR, TokenType.LUNLESS, TokenType.MAX, TokenType.METRIC_IDENTIFIER, TokenType.MIN, TokenType.OFFSET,
        TokenType.QUANTILE, TokenType.STDDEV, TokenType.STDVAR, TokenType.SUM, TokenType.TOPK, TokenType.WITHOUT,
        TokenType.START, TokenType.END);
    /** Tokens that may be used as a label name in grouping lists (maybe_label rule). */
    private static final Set<TokenType> MAYBE_LABEL_TOKENS = EnumSet.of(TokenType.AVG, TokenType.BOOL,
        TokenType.BOTTOMK, TokenType.BY, TokenType.COUNT, TokenType.COUNT_VALUES, TokenType.GROUP,
        TokenType.GROUP_LEFT, TokenType.GROUP_RIGHT, TokenType.IDENTIFIER, TokenType.IGNORING, TokenType.LAND,
        TokenType.LOR, TokenType.LUNLESS, TokenType.MAX, TokenType.METRIC_IDENTIFIER, TokenType.MIN, TokenType.OFFSET,
        TokenType.ON, TokenType.QUANTILE, TokenType.STDDEV, TokenType.STDVAR, TokenType.SUM, TokenType.TOPK,
        TokenType.START, TokenType.END, TokenType.ATAN2);

    private final String input;
    private final Lexer lexer;
    private Token peeked;
    private int aggregateDepth;

    private Parser(String input) {
        this.input = input;
        this.lexer = new Lexer(input);
    }

    /** Parses and type-checks a PromQL expression. */
    public static Expr parseExpr(String input) {
        Parser p = new Parser(input);
        Expr e = p.parseTop();
        return new Checker(input).check(e);
    }

    /** Parses a series selector (match[] of /api/v1/series): {@code metric{matchers}}. No non-empty check. */
    public static List<LabelMatcher> parseSeriesSelector(String input) {
        Parser p = new Parser(input);
        Token t = p.peek();
        VectorSelector vs;
        if (METRIC_IDENTIFIER_TOKENS.contains(t.type())) {
            p.next();
            vs = p.parseVectorSelectorRest(t);
        } else if (t.type() == TokenType.LEFT_BRACE) {
            vs = p.parseVectorSelectorRest(null);
        } else {
            throw p.unexpected(t, "", "");
        }
        Token end = p.peek();
        if (end.type() != TokenType.EOF) {
            throw p.unexpected(end, "", "");
        }
        return vs.matchers();
    }

    // ---------------------------------------------------------------- token handling

    private Token peek() {
        if (peeked == null) {
            peeked = lexer.next();
            if (peeked.type() == TokenType.ERROR) {
                throw error(peeked.pos(), peeked.val());
            }
        }
        return peeked;
    }

    private Token next() {
        Token t = peek();
        peeked = null;
        return t;
    }

    PromQLParseException error(int pos, String msg) {
        return new PromQLParseException(input, pos, msg);
    }

    private PromQLParseException unexpected(Token t, String context, String expected) {
        StringBuilder sb = new StringBuilder("unexpected ").append(t.desc());
        if (context.isEmpty() && aggregateDepth > 0) {
            context = "aggregation";
        }
        if (!context.isEmpty()) {
            sb.append(" in ").append(context);
        }
        if (!expected.isEmpty()) {
            sb.append(", expected ").append(expected);
        }
        return error(t.pos(), sb.toString());
    }

    // ---------------------------------------------------------------- expressions

    private Expr parseTop() {
        Token t = peek();
        if (t.type() == TokenType.EOF) {
            throw error(0, "no expression found in input");
        }
        Expr e = parseExpr(0);
        Token end = peek();
        if (end.type() != TokenType.EOF) {
            throw unexpected(end, "", "");
        }
        return e;
    }

    private static BinaryOp binaryOp(TokenType t) {
        switch (t) {
            case ADD: return BinaryOp.ADD;
            case SUB: return BinaryOp.SUB;
            case MUL: return BinaryOp.MUL;
            case DIV: return BinaryOp.DIV;
            case MOD: return BinaryOp.MOD;
            case POW: return BinaryOp.POW;
            case ATAN2: return BinaryOp.ATAN2;
            case EQLC: return BinaryOp.EQLC;
            case NEQ: return BinaryOp.NEQ;
            case LTE: return BinaryOp.LTE;
            case LSS: return BinaryOp.LSS;
            case GTE: return BinaryOp.GTE;
            case GTR: return BinaryOp.GTR;
            case LAND: return BinaryOp.AND;
            case LOR: return BinaryOp.OR;
            case LUNLESS: return BinaryOp.UNLESS;
            default: return null;
        }
    }

    private Expr parseExpr(int minPrecedence) {
        Expr left = parseUnary();
        while (true) {
            Token t = peek();
            BinaryOp op = binaryOp(t.type());
            if (op == null || op.precedence() < minPrecedence) {
                return left;
            }
            next();
            boolean returnBool = false;
            List<String> matchingLabels = List.of();
            boolean on = false;
            List<String> include = List.of();
            VectorMatching.Cardinality card = VectorMatching.Cardinality.ONE_TO_ONE;
            if (peek().type() == TokenType.BOOL) {
                next();
                returnBool = true;
            }
            TokenType mt = peek().type();
            if (mt == TokenType.ON || mt == TokenType.IGNORING) {
                next();
                on = mt == TokenType.ON;
                matchingLabels = parseGroupingLabels();
                TokenType gt = peek().type();
                if (gt == TokenType.GROUP_LEFT || gt == TokenType.GROUP_RIGHT) {
                    next();
                    card = gt == TokenType.GROUP_LEFT ? VectorMatching.Cardinality.MANY_TO_ONE
                        : VectorMatching.Cardinality.ONE_TO_MANY;
                    if (peek().type() == TokenType.LEFT_PAREN) {
                        include = parseGroupingLabels();
                    }
                }
            }
            int nextMin = op.isRightAssociative() ? op.precedence() : op.precedence() + 1;
            Expr right = parseExpr(nextMin);
            left = new BinaryExpr(op, left, right, new VectorMatching(card, matchingLabels, on, include), returnBool);
        }
    }

    private Expr parseUnary() {
        Token t = peek();
        if (t.type() == TokenType.ADD || t.type() == TokenType.SUB) {
            next();
            // unary_op expr %prec MUL: only ^ (and postfix modifiers) bind tighter
            Expr operand = parseExpr(BinaryOp.POW.precedence());
            if (operand instanceof NumberLiteral) {
                NumberLiteral nl = (NumberLiteral) operand;
                double v = t.type() == TokenType.SUB ? -nl.value() : nl.value();
                return new NumberLiteral(v, t.pos(), nl.end());
            }
            return new UnaryExpr(t.type() == TokenType.SUB ? BinaryOp.SUB : BinaryOp.ADD, operand, t.pos());
        }
        return parsePostfix(parsePrimary());
    }

    private Expr parsePrimary() {
        Token t = peek();
        switch (t.type()) {
            case NUMBER: {
                next();
                return new NumberLiteral(parseNumber(t), t.pos(), t.end());
            }
            case DURATION: {
                // Prometheus 3: a duration is a number of seconds where a number is expected
                next();
                return new NumberLiteral(parseDuration(t) / 1000.0, t.pos(), t.end());
            }
            case STRING: {
                next();
                return new StringLiteral(unquote(t), t.pos(), t.end());
            }
            case LEFT_PAREN: {
                next();
                Expr inner = parseExpr(0);
                Token close = peek();
                if (close.type() != TokenType.RIGHT_PAREN) {
                    throw unexpected(close, "", "");
                }
                next();
                return new ParenExpr(inner, t.pos(), close.end());
            }
            case LEFT_BRACE:
                return parseVectorSelectorRest(null);
            case IDENTIFIER: {
                next();
                if (peek().type() == TokenType.LEFT_PAREN) {
                    return parseCall(t);
                }
                return parseVectorSelectorRest(t);
            }
            default:
                break;
        }
        if (t.type().isAggregator()) {
            next();
            TokenType nt = peek().type();
            if (nt == TokenType.LEFT_PAREN || nt == TokenType.BY || nt == TokenType.WITHOUT) {
                return parseAggregate(t);
            }
            return parseVectorSelectorRest(t);
        }
        if (METRIC_IDENTIFIER_TOKENS.contains(t.type())) {
            next();
            return parseVectorSelectorRest(t);
        }
        throw unexpected(t, "", "");
    }

    private double parseNumber(Token t) {
        try {
            return GoParse.number(t.val());
        } catch (NumberFormatException e) {
            throw error(t.pos(), "error parsing number: " + e.getMessage());
        }
    }

    private String unquote(Token t) {
        try {
            return GoParse.unquote(t.val());
        } catch (RuntimeException e) {
            throw error(t.pos(), "error unquoting string " + GoStrings.quote(t.val()) + ": invalid syntax");
        }
    }

    private long parseDuration(Token t) {
        if (t.type() == TokenType.NUMBER) {
            // Prometheus 3: numbers are accepted as durations in seconds
            double secs = parseNumber(t);
            if (Double.isNaN(secs) || Double.isInfinite(secs) || Math.abs(secs) > (double) (Long.MAX_VALUE / 1_000_000_000L)) {
                throw error(t.pos(), "duration out of range");
            }
            return Math.round(secs * 1000);
        }
        try {
            return Durations.parse(t.val());
        } catch (IllegalArgumentException e) {
            throw error(t.pos(), e.getMessage());
        }
    }

    private static boolean isDurationToken(Token t) {
        return t.type() == TokenType.DURATION || t.type() == TokenType.NUMBER;
    }

    private Expr parsePostfix(Expr e) {
        while (true) {
            TokenType t = peek().type();
            if (t == TokenType.LEFT_BRACKET) {
                e = parseRangeOrSubquery(e);
            } else if (t == TokenType.OFFSET) {
                e = parseOffset(e);
            } else if (t == TokenType.AT) {
                e = parseAt(e);
            } else {
                return e;
            }
        }
    }

    private Expr parseRangeOrSubquery(Expr e) {
        Token open = next();
        Token d = next();
        if (!isDurationToken(d)) {
            throw unexpected(d, "subquery selector", "duration");
        }
        long range = parseDuration(d);
        Token t = next();
        if (t.type() == TokenType.RIGHT_BRACKET) {
            String err = null;
            if (!(e instanceof VectorSelector)) {
                err = "ranges only allowed for vector selectors";
            } else if (((VectorSelector) e).offsetMs() != 0) {
                err = "no offset modifiers allowed before range";
            } else if (((VectorSelector) e).at() != null) {
                err = "no @ modifiers allowed before range";
            }
            if (err != null) {
                throw error(open.pos(), err);
            }
            if (range <= 0) {
                throw error(d.pos(), "duration must be greater than 0");
            }
            return new MatrixSelector((VectorSelector) e, range, e.start(), t.end());
        }
        if (t.type() == TokenType.COLON) {
            Token s = next();
            long step = 0;
            Token close = s;
            if (isDurationToken(s)) {
                step = parseDuration(s);
                close = next();
                if (close.type() != TokenType.RIGHT_BRACKET) {
                    throw unexpected(close, "subquery selector", "\"]\"");
                }
            } else if (s.type() != TokenType.RIGHT_BRACKET) {
                throw unexpected(s, "subquery selector", "duration or \"]\"");
            }
            if (range <= 0) {
                throw error(d.pos(), "duration must be greater than 0");
            }
            return new SubqueryExpr(e, range, step, 0, null, e.start(), close.end());
        }
        throw unexpected(t, "subquery or range", "\":\" or \"]\"");
    }

    private Expr parseOffset(Expr e) {
        next();
        Token t = next();
        boolean negative = false;
        if (t.type() == TokenType.SUB) {
            negative = true;
            t = next();
        }
        if (!isDurationToken(t)) {
            throw unexpected(t, "offset", "duration");
        }
        long d = parseDuration(t);
        if (negative) {
            d = -d;
        }
        int end = t.end();
        if (e instanceof VectorSelector) {
            VectorSelector vs = (VectorSelector) e;
            if (vs.offsetMs() != 0) {
                throw error(e.start(), "offset may not be set multiple times");
            }
            return vs.withOffset(d, end);
        }
        if (e instanceof MatrixSelector) {
            MatrixSelector ms = (MatrixSelector) e;
            if (ms.vectorSelector().offsetMs() != 0) {
                throw error(e.start(), "offset may not be set multiple times");
            }
            return new MatrixSelector(ms.vectorSelector().withOffset(d, ms.vectorSelector().end()), ms.rangeMs(),
                ms.start(), end);
        }
        if (e instanceof SubqueryExpr) {
            SubqueryExpr sq = (SubqueryExpr) e;
            if (sq.offsetMs() != 0) {
                throw error(e.start(), "offset may not be set multiple times");
            }
            return sq.withOffset(d, end);
        }
        throw error(e.start(),
            "offset modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }

    private Expr parseAt(Expr e) {
        next();
        Token t = next();
        At at;
        int end;
        if (t.type() == TokenType.START || t.type() == TokenType.END) {
            Token lp = next();
            if (lp.type() != TokenType.LEFT_PAREN) {
                throw unexpected(lp, "@", "timestamp");
            }
            Token rp = next();
            if (rp.type() != TokenType.RIGHT_PAREN) {
                throw unexpected(rp, "@", "timestamp");
            }
            at = new At(t.type() == TokenType.START ? At.Kind.START : At.Kind.END, 0);
            end = rp.end();
        } else {
            boolean negative = false;
            if (t.type() == TokenType.ADD || t.type() == TokenType.SUB) {
                negative = t.type() == TokenType.SUB;
                t = next();
            }
            if (t.type() != TokenType.NUMBER && t.type() != TokenType.DURATION) {
                throw unexpected(t, "@", "timestamp");
            }
            // Prometheus 3 also accepts a duration (seconds since the epoch) after @
            double ts = t.type() == TokenType.DURATION ? parseDuration(t) / 1000.0 : parseNumber(t);
            if (negative) {
                ts = -ts;
            }
            if (Double.isInfinite(ts) || Double.isNaN(ts) || ts >= (double) Long.MAX_VALUE
                || ts <= (double) Long.MIN_VALUE) {
                throw error(e.start(), "timestamp out of bounds for @ modifier: " + String.format("%f", ts));
            }
            double ms = ts * 1000;
            at = new At(At.Kind.TIMESTAMP, (long) (Math.signum(ms) * Math.floor(Math.abs(ms) + 0.5)));
            end = t.end();
        }
        if (e instanceof VectorSelector) {
            VectorSelector vs = (VectorSelector) e;
            if (vs.at() != null) {
                throw error(e.start(), "@ <timestamp> may not be set multiple times");
            }
            return vs.withAt(at, end);
        }
        if (e instanceof MatrixSelector) {
            MatrixSelector ms = (MatrixSelector) e;
            if (ms.vectorSelector().at() != null) {
                throw error(e.start(), "@ <timestamp> may not be set multiple times");
            }
            return new MatrixSelector(ms.vectorSelector().withAt(at, ms.vectorSelector().end()), ms.rangeMs(),
                ms.start(), end);
        }
        if (e instanceof SubqueryExpr) {
            SubqueryExpr sq = (SubqueryExpr) e;
            if (sq.at() != null) {
                throw error(e.start(), "@ <timestamp> may not be set multiple times");
            }
            return sq.withAt(at, end);
        }
        throw error(e.start(),
            "@ modifier must be preceded by an instant vector selector or range vector selector or a subquery");
    }

    private Expr parseCall(Token name) {
        List<Expr> args = parseCallBody();
        int end = lastClosing;
        Function f = Function.get(name.val());
        if (f == null) {
            if (Function.UNSUPPORTED.contains(name.val())) {
                throw error(name.pos(), "function " + GoStrings.quote(name.val()) + " is not supported by this engine");
            }
            throw error(name.pos(), "unknown function with name " + GoStrings.quote(name.val()));
        }
        return new Call(f, args, name.pos(), end);
    }

    private int lastClosing;

    /** function_call_body: "(" [expr ("," expr)*] ")". */
    private List<Expr> parseCallBody() {
        Token open = peek();
        if (open.type() != TokenType.LEFT_PAREN) {
            throw unexpected(open, "", "");
        }
        next();
        List<Expr> args = new ArrayList<>();
        if (peek().type() == TokenType.RIGHT_PAREN) {
            lastClosing = next().end();
            return args;
        }
        while (true) {
            args.add(parseExpr(0));
            Token t = peek();
            if (t.type() == TokenType.COMMA) {
                next();
                if (peek().type() == TokenType.RIGHT_PAREN) {
                    throw error(t.pos(), "trailing commas not allowed in function call args");
                }
                continue;
            }
            if (t.type() == TokenType.RIGHT_PAREN) {
                lastClosing = next().end();
                return args;
            }
            throw unexpected(t, "", "");
        }
    }

    private Expr parseAggregate(Token opTok) {
        AggregateOp op = AggregateOp.valueOf(opTok.type().name());
        aggregateDepth++;
        List<String> grouping = List.of();
        boolean without = false;
        boolean modifierSeen = false;
        TokenType t = peek().type();
        if (t == TokenType.BY || t == TokenType.WITHOUT) {
            next();
            without = t == TokenType.WITHOUT;
            grouping = parseGroupingLabels();
            modifierSeen = true;
        }
        List<Expr> args = parseCallBody();
        int end = lastClosing;
        if (!modifierSeen) {
            t = peek().type();
            if (t == TokenType.BY || t == TokenType.WITHOUT) {
                next();
                without = t == TokenType.WITHOUT;
                grouping = parseGroupingLabels();
                end = lastClosing;
            }
        }
        aggregateDepth--;
        if (args.isEmpty()) {
            throw error(opTok.pos(), "no arguments for aggregate expression provided");
        }
        int desired = op.hasParam() ? 2 : 1;
        if (args.size() != desired) {
            throw error(opTok.pos(), "wrong number of arguments for aggregate expression provided, expected "
                + desired + ", got " + args.size());
        }
        Expr param = op.hasParam() ? args.get(0) : null;
        return new AggregateExpr(op, args.get(desired - 1), param, grouping, without, opTok.pos(), end);
    }

    /** grouping_labels: "(" [label ("," label)* [","]] ")". */
    private List<String> parseGroupingLabels() {
        Token open = next();
        if (open.type() != TokenType.LEFT_PAREN) {
            throw unexpected(open, "grouping opts", "\"(\"");
        }
        List<String> labels = new ArrayList<>();
        Token t = next();
        if (t.type() == TokenType.RIGHT_PAREN) {
            lastClosing = t.end();
            return labels;
        }
        while (true) {
            if (!MAYBE_LABEL_TOKENS.contains(t.type()) || !isLabelName(t.val())) {
                throw unexpected(t, "grouping opts", "label");
            }
            labels.add(t.val());
            t = next();
            if (t.type() == TokenType.COMMA) {
                t = next();
                if (t.type() == TokenType.RIGHT_PAREN) {
                    lastClosing = t.end();
                    return labels;
                }
                continue;
            }
            if (t.type() == TokenType.RIGHT_PAREN) {
                lastClosing = t.end();
                return labels;
            }
            throw unexpected(t, "grouping opts", "\",\" or \")\"");
        }
    }

    static boolean isLabelName(String s) {
        if (s.isEmpty()) {
            return false;
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (i > 0 && c >= '0' && c <= '9');
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** After an optional metric identifier (already consumed): optional label matchers. */
    private VectorSelector parseVectorSelectorRest(Token nameTok) {
        String name = nameTok == null ? "" : nameTok.val();
        int start = nameTok == null ? peek().pos() : nameTok.pos();
        int end = nameTok == null ? start : nameTok.end();
        List<LabelMatcher> matchers = new ArrayList<>();
        if (peek().type() == TokenType.LEFT_BRACE) {
            next();
            Token t = next();
            if (t.type() != TokenType.RIGHT_BRACE) {
                while (true) {
                    if (t.type() != TokenType.IDENTIFIER) {
                        throw unexpected(t, "label matching", "identifier or \"}\"");
                    }
                    Token op = next();
                    LabelMatcher.Type type;
                    switch (op.type()) {
                        case EQL: type = LabelMatcher.Type.EQ; break;
                        case NEQ: type = LabelMatcher.Type.NEQ; break;
                        case EQL_REGEX: type = LabelMatcher.Type.RE; break;
                        case NEQ_REGEX: type = LabelMatcher.Type.NRE; break;
                        default:
                            throw unexpected(op, "label matching", "label matching operator");
                    }
                    Token v = next();
                    if (v.type() != TokenType.STRING) {
                        throw unexpected(v, "label matching", "string");
                    }
                    String value = unquote(v);
                    try {
                        matchers.add(new LabelMatcher(t.val(), type, value));
                    } catch (IllegalArgumentException e) {
                        throw error(t.pos(), e.getMessage());
                    }
                    t = next();
                    if (t.type() == TokenType.COMMA) {
                        t = next();
                        if (t.type() == TokenType.RIGHT_BRACE) {
                            break;
                        }
                        continue;
                    }
                    if (t.type() == TokenType.RIGHT_BRACE) {
                        break;
                    }
                    throw unexpected(t, "label matching", "\",\" or \"}\"");
                }
            }
            end = t.end();
        }
        if (!name.isEmpty()) {
            matchers.add(new LabelMatcher(Labels.METRIC_NAME, LabelMatcher.Type.EQ, name));
        }
        return new VectorSelector(name, matchers, 0, null, start, end);
    }
}
