package dev.peephole.collector.promql.parser;

import dev.peephole.collector.promql.GoStrings;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/** A port of Prometheus' PromQL lexer (promql/parser/lex.go), producing one token per call. */
public final class Lexer {
    static final Map<String, TokenType> KEYWORDS = new HashMap<>();

    static {
        for (TokenType t : TokenType.values()) {
            if (t.cat != TokenType.Cat.OTHER && t.str != null && Character.isLetter(t.str.charAt(0))) {
                KEYWORDS.put(t.str, t);
            }
        }
        KEYWORDS.put("inf", TokenType.NUMBER);
        KEYWORDS.put("nan", TokenType.NUMBER);
    }

    private static final int EOF_RUNE = -1;

    private final String input;
    private int pos;
    private int start;
    private int width;
    private int parenDepth;
    private boolean braceOpen;
    private boolean bracketOpen;
    private boolean gotColon;
    private boolean durationNext;
    private boolean done;

    public Lexer(String input) {
        this.input = input;
    }

    public String input() {
        return input;
    }

    /** Returns the next token; COMMENT items are skipped; after an ERROR or EOF, EOF is returned forever. */
    public Token next() {
        if (done) {
            return new Token(TokenType.EOF, input.length(), "");
        }
        Token t = scan();
        if (t.type() == TokenType.ERROR || t.type() == TokenType.EOF) {
            done = true;
        }
        return t;
    }

    private int nextRune() {
        if (pos >= input.length()) {
            width = 0;
            return EOF_RUNE;
        }
        int cp = input.codePointAt(pos);
        width = Character.charCount(cp);
        pos += width;
        return cp;
    }

    private int peek() {
        int r = nextRune();
        backup();
        return r;
    }

    private void backup() {
        pos -= width;
    }

    private Token emit(TokenType t) {
        Token tok = new Token(t, start, input.substring(start, pos));
        start = pos;
        return tok;
    }

    private Token error(String msg) {
        return new Token(TokenType.ERROR, start, msg);
    }

    private boolean accept(String valid) {
        int r = nextRune();
        if (r != EOF_RUNE && valid.indexOf(r) >= 0) {
            return true;
        }
        backup();
        return false;
    }

    private boolean is(String valid) {
        int r = peek();
        return r != EOF_RUNE && valid.indexOf(r) >= 0;
    }

    private void acceptRun(String valid) {
        while (true) {
            int r = nextRune();
            if (r == EOF_RUNE || valid.indexOf(r) < 0) {
                break;
            }
        }
        backup();
    }

    private Token scan() {
        while (true) {
            if (braceOpen) {
                Token t = lexInsideBraces();
                if (t != null) {
                    return t;
                }
                continue;
            }
            if (durationNext) {
                durationNext = false;
                return lexDuration();
            }
            if (input.startsWith("#", pos)) {
                skipComment();
                continue;
            }
            int r = nextRune();
            if (r == EOF_RUNE) {
                if (parenDepth != 0) {
                    return error("unclosed left parenthesis");
                }
                if (bracketOpen) {
                    return error("unclosed left bracket");
                }
                return emit(TokenType.EOF);
            }
            switch (r) {
                case ',':
                    return emit(TokenType.COMMA);
                case '*':
                    return emit(TokenType.MUL);
                case '/':
                    return emit(TokenType.DIV);
                case '%':
                    return emit(TokenType.MOD);
                case '+':
                    return emit(TokenType.ADD);
                case '-':
                    return emit(TokenType.SUB);
                case '^':
                    return emit(TokenType.POW);
                case '=': {
                    int t = peek();
                    if (t == '=') {
                        nextRune();
                        return emit(TokenType.EQLC);
                    }
                    if (t == '~') {
                        return error("unexpected character after '=': " + GoStrings.quoteRune(t));
                    }
                    return emit(TokenType.EQL);
                }
                case '!': {
                    int t = nextRune();
                    if (t != '=') {
                        return error("unexpected character after '!': " + GoStrings.quoteRune(runeOrReplacement(t)));
                    }
                    return emit(TokenType.NEQ);
                }
                case '<':
                    if (peek() == '=') {
                        nextRune();
                        return emit(TokenType.LTE);
                    }
                    return emit(TokenType.LSS);
                case '>':
                    if (peek() == '=') {
                        nextRune();
                        return emit(TokenType.GTE);
                    }
                    return emit(TokenType.GTR);
                case '"':
                case '\'':
                    return lexString(r);
                case '`':
                    return lexRawString();
                case '(':
                    parenDepth++;
                    return emit(TokenType.LEFT_PAREN);
                case ')': {
                    Token t = emit(TokenType.RIGHT_PAREN);
                    parenDepth--;
                    if (parenDepth < 0) {
                        return error("unexpected right parenthesis " + GoStrings.quoteRune(r));
                    }
                    return t;
                }
                case '{': {
                    braceOpen = true;
                    return emit(TokenType.LEFT_BRACE);
                }
                case '[': {
                    if (bracketOpen) {
                        return error("unexpected left bracket " + GoStrings.quoteRune(r));
                    }
                    gotColon = false;
                    Token t = emit(TokenType.LEFT_BRACKET);
                    while (isSpace(peek())) {
                        nextRune();
                    }
                    start = pos;
                    bracketOpen = true;
                    durationNext = true;
                    return t;
                }
                case ']':
                    if (!bracketOpen) {
                        return error("unexpected right bracket " + GoStrings.quoteRune(r));
                    }
                    bracketOpen = false;
                    return emit(TokenType.RIGHT_BRACKET);
                case '@':
                    return emit(TokenType.AT);
                default:
                    break;
            }
            if (isSpace(r)) {
                while (isSpace(peek())) {
                    nextRune();
                }
                start = pos;
                continue;
            }
            if (isDigit(r) || (r == '.' && isDigit(peek()))) {
                backup();
                return lexNumberOrDuration();
            }
            if (isAlpha(r) || r == ':') {
                if (!bracketOpen) {
                    backup();
                    return lexKeywordOrIdentifier();
                }
                if (r == ':') {
                    if (gotColon) {
                        return error("unexpected colon " + GoStrings.quoteRune(r));
                    }
                    gotColon = true;
                    return emit(TokenType.COLON);
                }
                return error("unexpected character: " + GoStrings.quoteRune(r) + ", expected " + GoStrings.quoteRune(':'));
            }
            return error("unexpected character: " + GoStrings.quoteRune(r));
        }
    }

    private static int runeOrReplacement(int r) {
        return r == EOF_RUNE ? 0xFFFD : r;
    }

    private void skipComment() {
        while (pos < input.length() && input.charAt(pos) != '\n' && input.charAt(pos) != '\r') {
            pos++;
        }
        start = pos;
    }

    /** Returns a token, or null if only whitespace/comments were skipped. */
    private Token lexInsideBraces() {
        if (input.startsWith("#", pos)) {
            skipComment();
            return null;
        }
        int r = nextRune();
        if (r == EOF_RUNE) {
            return error("unexpected end of input inside braces");
        }
        if (isSpace(r)) {
            while (isSpace(peek())) {
                nextRune();
            }
            start = pos;
            return null;
        }
        if (isAlpha(r)) {
            while (isAlphaNumeric(nextRune())) {
                // absorb
            }
            backup();
            return emit(TokenType.IDENTIFIER);
        }
        switch (r) {
            case ',':
                return emit(TokenType.COMMA);
            case '"':
            case '\'':
                return lexString(r);
            case '`':
                return lexRawString();
            case '=':
                if (nextRune() == '~') {
                    return emit(TokenType.EQL_REGEX);
                }
                backup();
                return emit(TokenType.EQL);
            case '!': {
                int nr = nextRune();
                if (nr == '~') {
                    return emit(TokenType.NEQ_REGEX);
                }
                if (nr == '=') {
                    return emit(TokenType.NEQ);
                }
                return error("unexpected character after '!' inside braces: " + GoStrings.quoteRune(runeOrReplacement(nr)));
            }
            case '{':
                return error("unexpected left brace " + GoStrings.quoteRune(r));
            case '}':
                braceOpen = false;
                return emit(TokenType.RIGHT_BRACE);
            default:
                return error("unexpected character inside braces: " + GoStrings.quoteRune(r));
        }
    }

    private Token lexString(int quote) {
        while (true) {
            int r = nextRune();
            if (r == '\\') {
                String err = lexEscape(quote);
                if (err != null) {
                    return error(err);
                }
                continue;
            }
            if (r == EOF_RUNE || r == '\n') {
                return error("unterminated quoted string");
            }
            if (r == quote) {
                break;
            }
        }
        return emit(TokenType.STRING);
    }

    private Token lexRawString() {
        while (true) {
            int r = nextRune();
            if (r == EOF_RUNE) {
                return error("unterminated raw string");
            }
            if (r == '`') {
                break;
            }
        }
        return emit(TokenType.STRING);
    }

    /** Validates an escape sequence (the backslash is consumed); returns an error message or null. */
    private String lexEscape(int quote) {
        int ch = nextRune();
        int n;
        int base;
        long max;
        switch (ch) {
            case 'a': case 'b': case 'f': case 'n': case 'r': case 't': case 'v': case '\\':
                return null;
            case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
                n = 3;
                base = 8;
                max = 255;
                break;
            case 'x':
                ch = nextRune();
                n = 2;
                base = 16;
                max = 255;
                break;
            case 'u':
                ch = nextRune();
                n = 4;
                base = 16;
                max = Character.MAX_CODE_POINT;
                break;
            case 'U':
                ch = nextRune();
                n = 8;
                base = 16;
                max = Character.MAX_CODE_POINT;
                break;
            case EOF_RUNE:
                return "escape sequence not terminated";
            default:
                if (ch == quote) {
                    return null;
                }
                return "unknown escape sequence " + goU(ch);
        }
        long x = 0;
        while (n > 0) {
            int d = digitVal(ch);
            if (d >= base) {
                if (ch == EOF_RUNE) {
                    return "escape sequence not terminated";
                }
                return "illegal character " + goU(ch) + " in escape sequence";
            }
            x = x * base + d;
            n--;
            if (n > 0) {
                ch = nextRune();
            }
        }
        if (x > max || (0xD800 <= x && x < 0xE000)) {
            return "escape sequence is an invalid Unicode code point";
        }
        return null;
    }

    private static String goU(int ch) {
        return String.format("U+%04X %s", ch, GoStrings.quoteRune(ch));
    }

    private static int digitVal(int ch) {
        if ('0' <= ch && ch <= '9') {
            return ch - '0';
        }
        if ('a' <= ch && ch <= 'f') {
            return ch - 'a' + 10;
        }
        if ('A' <= ch && ch <= 'F') {
            return ch - 'A' + 10;
        }
        return 16;
    }

    private Token lexDuration() {
        if (scanNumber()) {
            // Prometheus 3: a plain number in brackets is a duration in seconds
            return emit(TokenType.NUMBER);
        }
        if (!acceptRemainingDuration()) {
            return error("bad duration syntax: " + GoStrings.quote(input.substring(start, pos)));
        }
        backup();
        return emit(TokenType.DURATION);
    }

    private Token lexNumberOrDuration() {
        if (scanNumber()) {
            return emit(TokenType.NUMBER);
        }
        if (acceptRemainingDuration()) {
            backup();
            return emit(TokenType.DURATION);
        }
        return error("bad number or duration syntax: " + GoStrings.quote(input.substring(start, pos)));
    }

    private boolean acceptRemainingDuration() {
        if (!accept("smhdwy")) {
            return false;
        }
        accept("s");
        while (accept("0123456789")) {
            while (accept("0123456789")) {
                // absorb
            }
            if (!accept("smhdw")) {
                return false;
            }
            accept("s");
        }
        return !isAlphaNumeric(nextRune());
    }

    private boolean scanNumber() {
        int initialPos = pos;
        String digitPattern = "0123456789";
        if (accept("0") && accept("xX")) {
            accept("_");
            digitPattern = "0123456789abcdefABCDEF";
        }
        accept(".");
        accept(digitPattern);
        boolean dotConsumed = false;
        boolean exponentConsumed = false;
        while (is(digitPattern + "._eE")) {
            if (is(".") && dotConsumed) {
                accept(".");
                return false;
            }
            if (is("eE") && exponentConsumed) {
                accept("eE");
                return false;
            }
            if (accept(".")) {
                dotConsumed = true;
                if (accept("_.")) {
                    return false;
                }
                if (digitPattern.length() > 10) {
                    return false;
                }
                continue;
            }
            if (accept("eE")) {
                exponentConsumed = true;
                accept("+-");
                if (accept("._eE") || peek() == EOF_RUNE) {
                    return false;
                }
                continue;
            }
            if (accept("_")) {
                if (accept("._eE") || peek() == EOF_RUNE) {
                    return false;
                }
                continue;
            }
            acceptRun(digitPattern);
        }
        if (pos == initialPos) {
            return false;
        }
        return !isAlphaNumeric(peek());
    }

    private Token lexKeywordOrIdentifier() {
        while (true) {
            int r = nextRune();
            if (!(isAlphaNumeric(r) || r == ':')) {
                break;
            }
        }
        backup();
        String word = input.substring(start, pos);
        TokenType kw = KEYWORDS.get(word.toLowerCase(Locale.ROOT));
        if (kw != null) {
            return emit(kw);
        }
        if (word.indexOf(':') < 0) {
            return emit(TokenType.IDENTIFIER);
        }
        return emit(TokenType.METRIC_IDENTIFIER);
    }

    static boolean isSpace(int r) {
        return r == ' ' || r == '\t' || r == '\n' || r == '\r';
    }

    static boolean isAlphaNumeric(int r) {
        return isAlpha(r) || isDigit(r);
    }

    static boolean isDigit(int r) {
        return '0' <= r && r <= '9';
    }

    static boolean isAlpha(int r) {
        return r == '_' || ('a' <= r && r <= 'z') || ('A' <= r && r <= 'Z');
    }
}
