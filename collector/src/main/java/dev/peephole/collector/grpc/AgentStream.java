package dev.peephole.collector.grpc;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.peephole.collector.agents.AgentRegistry;
import dev.peephole.collector.export.AgentSpans;
import dev.peephole.collector.ingest.AgentIdentity;
import dev.peephole.collector.ingest.BatchPreparer;
import dev.peephole.collector.ingest.IngestStats;
import dev.peephole.collector.ingest.IngestWriter;
import dev.peephole.collector.ingest.InvalidBatchException;
import dev.peephole.collector.ingest.PreparedBatch;
import dev.peephole.proto.v1.Ack;
import dev.peephole.proto.v1.AgentMessage;
import dev.peephole.proto.v1.CollectorMessage;
import dev.peephole.proto.v1.Hello;
import dev.peephole.proto.v1.Settings;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One agent's stream: Hello, then batches (acknowledged once committed) and heartbeats.
 * Everything wrong with this agent's messages ends this stream only.
 */
final class AgentStream implements StreamObserver<byte[]> {

    private static final Logger LOG = LoggerFactory.getLogger(AgentStream.class);

    private final ServerCallStreamObserver<CollectorMessage> out;
    private final AgentRegistry registry;
    private final BatchPreparer preparer;
    private final IngestWriter writer;
    private final IngestStats stats;
    private final AgentStreams streams;
    private final Object lock = new Object();
    private AgentIdentity identity;
    /** The OpenTelemetry resource of this agent's spans when they are forwarded over OTLP, else null. */
    private AgentSpans.AgentResource exportResource;
    private int inFlight;
    private boolean halfClosed;
    private boolean finished;
    /** Set when the stream must end once the batches in flight are answered (shutdown, a failed commit). */
    private Status endWhenIdle;
    /** The settings version this agent was last sent. */
    private volatile long settingsVersion;

    AgentStream(ServerCallStreamObserver<CollectorMessage> out, AgentRegistry registry, BatchPreparer preparer,
                IngestWriter writer, IngestStats stats, AgentStreams streams) {
        this.out = out;
        this.registry = registry;
        this.preparer = preparer;
        this.writer = writer;
        this.stats = stats;
        this.streams = streams;
        out.setOnCancelHandler(this::gone);
    }

    @Override
    public void onNext(byte[] bytes) {
        AgentMessage message;
        try {
            message = AgentMessage.parseFrom(bytes);
        } catch (InvalidProtocolBufferException e) {
            stats.messagesInvalid.increment();
            finish(Status.INVALID_ARGUMENT.withDescription("malformed message: " + e.getMessage()));
            return;
        }
        switch (message.getKindCase()) {
            case HELLO -> hello(message.getHello());
            case BATCH -> batch(message);
            case HEARTBEAT -> {
                if (requireHello("heartbeat")) {
                    registry.heartbeat(identity.agentId(), identity.sessionId(), message.getHeartbeat());
                }
            }
            default -> {
                stats.messagesInvalid.increment();
                finish(Status.INVALID_ARGUMENT.withDescription("empty message"));
            }
        }
    }

    private void hello(Hello hello) {
        if (identity != null) {
            finish(Status.INVALID_ARGUMENT.withDescription("hello sent twice on one stream"));
            return;
        }
        if (hello.getAgentId().isBlank() || hello.getSessionId().isBlank() || hello.getServiceName().isBlank()) {
            stats.messagesInvalid.increment();
            finish(Status.INVALID_ARGUMENT.withDescription("hello needs agent_id, session_id and service_name"));
            return;
        }
        Settings settings;
        try {
            settings = registry.connected(hello);
        } catch (SQLException e) {
            finish(Status.UNAVAILABLE.withDescription("the collector's database is unavailable"));
            return;
        }
        identity = new AgentIdentity(hello.getAgentId(), hello.getSessionId(), hello.getServiceName(),
                hello.getHostName());
        exportResource = preparer.exportResourceOf(hello);
        streams.register(identity.agentId(), this);
        settingsVersion = settings.getVersion();
        send(CollectorMessage.newBuilder().setSettings(settings).build());
        LOG.info("Agent {} ({} on {}) connected", identity.agentId(), identity.serviceName(), identity.hostName());
    }

    private void batch(AgentMessage message) {
        if (!requireHello("batch")) {
            return;
        }
        PreparedBatch prepared;
        try {
            prepared = preparer.prepare(identity, message.getBatch(), System.currentTimeMillis() * 1_000_000L,
                    exportResource);
        } catch (InvalidBatchException e) {
            stats.messagesInvalid.increment();
            finish(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
            return;
        }
        synchronized (lock) {
            if (finished || endWhenIdle != null) {
                return; // not acknowledged: the agent sends it again after reconnecting
            }
            inFlight++;
        }
        boolean queued;
        try {
            queued = writer.submit(prepared, new IngestWriter.Callback() {
                @Override
                public void committed(IngestWriter.Outcome o) {
                    acknowledged(o);
                }

                @Override
                public void failed(Exception cause) {
                    batchAnswered(null, Status.UNAVAILABLE.withDescription(
                            "batch not stored, send it again: " + cause.getMessage()));
                }
            });
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            queued = false;
        }
        if (!queued) {
            batchAnswered(null, Status.UNAVAILABLE.withDescription("the collector is shutting down"));
        }
    }

    private boolean requireHello(String what) {
        if (identity == null) {
            stats.messagesInvalid.increment();
            finish(Status.INVALID_ARGUMENT.withDescription(what + " before hello"));
            return false;
        }
        return true;
    }

    private void acknowledged(IngestWriter.Outcome o) {
        Ack ack = Ack.newBuilder()
                .setSequence(o.sequence())
                .setAcceptedSpans(o.acceptedSpans())
                .setAcceptedPoints(o.acceptedPoints())
                .setRejectedSpans(o.rejectedSpans())
                .setRejectedPoints(o.rejectedPoints())
                .addAllReasons(o.reasons())
                .setDuplicate(o.duplicate())
                .build();
        batchAnswered(CollectorMessage.newBuilder().setAck(ack).build(), null);
    }

    /**
     * One batch in flight is answered: with an ack, or with a reason to end the stream.
     * The stream ends only once every other batch in flight has had its answer, so a
     * failure or a shutdown never swallows the acks of batches that were committed.
     */
    private void batchAnswered(CollectorMessage ack, Status endWith) {
        boolean complete = false;
        Status error = null;
        synchronized (lock) {
            inFlight--;
            if (finished) {
                return;
            }
            if (ack != null) {
                send(ack);
            }
            if (endWith != null && endWhenIdle == null) {
                endWhenIdle = endWith;
            }
            if (inFlight == 0) {
                if (endWhenIdle != null) {
                    error = endWhenIdle;
                } else if (halfClosed) {
                    finished = true;
                    out.onCompleted();
                    complete = true;
                }
            }
        }
        if (error != null) {
            finish(error);
        } else if (complete) {
            gone();
        }
    }

    /** Pushes settings to the agent unless it already has this version or a newer one. */
    void push(Settings settings) {
        synchronized (lock) {
            if (!finished && settings.getVersion() > settingsVersion) {
                settingsVersion = settings.getVersion();
                send(CollectorMessage.newBuilder().setSettings(settings).build());
            }
        }
    }

    private void send(CollectorMessage m) {
        synchronized (lock) {
            if (!finished && !out.isCancelled()) {
                out.onNext(m);
            }
        }
    }

    /** Ends the stream with an error status (once). */
    void finish(Status status) {
        synchronized (lock) {
            if (finished) {
                return;
            }
            finished = true;
            if (!out.isCancelled()) {
                out.onError(status.asRuntimeException());
            }
        }
        if (status.getCode() == Status.Code.INVALID_ARGUMENT) {
            LOG.warn("Agent {} sent an invalid message: {}", identity == null ? "(before hello)" : identity.agentId(),
                    status.getDescription());
        }
        gone();
    }

    @Override
    public void onError(Throwable t) {
        synchronized (lock) {
            finished = true;
        }
        gone();
    }

    @Override
    public void onCompleted() {
        synchronized (lock) {
            halfClosed = true;
            if (finished || inFlight > 0) {
                return;
            }
            finished = true;
            out.onCompleted();
        }
        gone();
    }

    private void gone() {
        AgentIdentity id = identity;
        if (id != null && streams.unregister(id.agentId(), this)) {
            registry.disconnected(id.agentId(), id.sessionId());
            LOG.info("Agent {} disconnected", id.agentId());
        }
    }
}
