package dev.peephole.collector.grpc;

import io.grpc.MethodDescriptor;
import io.grpc.Status;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Hands the request bytes to the handler unparsed, so a malformed message becomes the
 * handler's INVALID_ARGUMENT for that one agent instead of a generic transport error.
 */
public final class RawBytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {

    @Override
    public InputStream stream(byte[] value) {
        return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
        try {
            return stream.readAllBytes();
        } catch (IOException e) {
            throw Status.INTERNAL.withDescription("could not read message").withCause(e).asRuntimeException();
        }
    }
}
