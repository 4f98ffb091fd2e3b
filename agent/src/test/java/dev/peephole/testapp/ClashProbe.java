package dev.peephole.testapp;

import io.opentelemetry.instrumentation.annotations.WithSpan;
import java.security.CodeSource;

/**
 * Runs the doorbell demo after checking, from the app's side, that the app sees its own (older)
 * protobuf, gRPC and OpenTelemetry API, can use them, and sees none of the agent's classes.
 * Started by {@code ClassClashIT} as {@code java -javaagent:... -cp demo.jar:test-classes:old-libs ClashProbe}.
 */
public final class ClashProbe {
    private ClashProbe() {
    }

    public static void main(String[] args) throws Exception {
        String protobuf = origin("com.google.protobuf.Message");
        String grpc = origin("io.grpc.Metadata");
        String otel = origin("io.opentelemetry.api.GlobalOpenTelemetry");

        // use the app's libraries
        com.google.protobuf.Struct s = com.google.protobuf.Struct.newBuilder()
                .putFields("k", com.google.protobuf.Value.newBuilder().setStringValue("v").build()).build();
        com.google.protobuf.Struct back = com.google.protobuf.Struct.parseFrom(s.toByteArray());
        io.grpc.Metadata md = new io.grpc.Metadata();
        md.put(io.grpc.Metadata.Key.of("x", io.grpc.Metadata.ASCII_STRING_MARSHALLER), "y");
        io.opentelemetry.api.trace.Span span = io.opentelemetry.api.GlobalOpenTelemetry.getTracer("app")
                .spanBuilder("app-own-span").startSpan();
        span.end();

        boolean agentHidden = hidden("dev.peephole.agent.core.AgentCore")
                && hidden("dev.peephole.agent.shaded.io.grpc.Metadata")
                && hidden("dev.peephole.agent.shaded.com.google.protobuf.Message")
                && hidden("dev.peephole.agent.shaded.io.opentelemetry.api.trace.Span")
                && hidden("com.sun.jna.Native");
        System.out.println("CLASH-PROBE protobuf=" + protobuf + " grpc=" + grpc + " otel=" + otel
                + " roundtrip=" + back.getFieldsOrThrow("k").getStringValue() + " metadata=" + md.keys()
                + " agentHidden=" + agentHidden + " greet=" + new ClashProbe().greet());

        Class.forName("dev.peephole.doorbell.DoorbellApp").getMethod("main", String[].class).invoke(null, (Object) args);
    }

    @WithSpan("clash.probe.greet")
    String greet() {
        return "hi";
    }

    private static String origin(String className) throws ClassNotFoundException {
        CodeSource cs = Class.forName(className).getProtectionDomain().getCodeSource();
        if (cs == null || cs.getLocation() == null) {
            return "?";
        }
        String p = cs.getLocation().getPath();
        return p.substring(p.lastIndexOf('/') + 1);
    }

    private static boolean hidden(String className) {
        try {
            Class.forName(className);
            return false;
        } catch (ClassNotFoundException e) {
            return true;
        }
    }
}
