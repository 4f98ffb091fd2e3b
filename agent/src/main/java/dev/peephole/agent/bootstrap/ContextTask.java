package dev.peephole.agent.bootstrap;

/** Marks a task already wrapped with a trace context, so it is neither wrapped nor recorded twice. */
public interface ContextTask {
}
