package dev.peephole.collector.grpc;

import dev.peephole.collector.security.AgentToken;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.Optional;

/** Ends a call with UNAUTHENTICATED unless it carries {@code authorization: Bearer <agent token>}. */
final class TokenInterceptor implements ServerInterceptor {

    static final Metadata.Key<String> AUTHORIZATION =
            Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final AgentToken token;

    TokenInterceptor(AgentToken token) {
        this.token = token;
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers,
                                                       ServerCallHandler<Q, R> next) {
        String header = headers.get(AUTHORIZATION);
        String presented = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)
                ? header.substring(7).trim() : null;
        Optional<Boolean> ok = token.verify(presented);
        if (ok.isEmpty()) {
            call.close(Status.UNAVAILABLE.withDescription("the collector is starting: its database is not ready"),
                    new Metadata());
            return new ServerCall.Listener<>() { };
        }
        if (!ok.get()) {
            call.close(Status.UNAUTHENTICATED.withDescription(presented == null
                    ? "missing agent token (authorization: Bearer <token>)" : "wrong agent token"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        return next.startCall(call, headers);
    }
}
