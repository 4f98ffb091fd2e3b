package dev.peephole.collector.promql;

/**
 * A PromQL syntax or type error. {@link #getMessage()} reads like Prometheus, e.g.
 * {@code 1:14: parse error: unexpected end of input}; {@link #position()} is the 0-based char offset.
 */
public class PromQLParseException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int position;
    private final String detail;

    public PromQLParseException(String query, int position, String detail) {
        super(format(query, position, detail));
        this.position = position;
        this.detail = detail;
    }

    /** 0-based char offset of the error in the query. */
    public int position() {
        return position;
    }

    /** The message without the position prefix, e.g. {@code unexpected end of input}. */
    public String detail() {
        return detail;
    }

    static String format(String query, int pos, String detail) {
        String prefix;
        if (query == null || pos < 0 || pos > query.length()) {
            prefix = "invalid position:";
        } else {
            int line = 1;
            int lastLineBreak = -1;
            for (int i = 0; i < pos; i++) {
                if (query.charAt(i) == '\n') {
                    lastLineBreak = i;
                    line++;
                }
            }
            prefix = line + ":" + (pos - lastLineBreak) + ":";
        }
        return prefix + " parse error: " + detail;
    }
}
