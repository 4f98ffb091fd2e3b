package dev.peephole.collector.promql;

/** The value of a string result. */
public record StringResult(long tMs, String value) {
}
