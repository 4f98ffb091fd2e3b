package dev.peephole.collector.http;

import io.micronaut.context.annotation.Primary;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MediaType;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.http.server.exceptions.response.ErrorContext;
import io.micronaut.http.server.exceptions.response.ErrorResponseProcessor;
import jakarta.inject.Singleton;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every error Micronaut produces (unknown route, bad parameter, unhandled exception)
 * in Prometheus' error shape. Server errors never show their cause: it is logged.
 */
@Primary
@Singleton
public class ApiErrorResponseProcessor implements ErrorResponseProcessor<ApiError> {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrorResponseProcessor.class);

    @Override
    public MutableHttpResponse<ApiError> processResponse(ErrorContext context, MutableHttpResponse<?> base) {
        HttpStatus status = base.getStatus();
        String message;
        if (status.getCode() >= 500) {
            context.getRootCause().ifPresent(t -> LOG.error("Request {} {} failed", context.getRequest().getMethod(),
                    context.getRequest().getPath(), t));
            message = status == HttpStatus.SERVICE_UNAVAILABLE ? "service unavailable" : "internal error (logged by the collector)";
        } else if (context.hasErrors()) {
            message = context.getErrors().get(0).getMessage();
        } else {
            message = status.getReason();
        }
        return base.contentType(MediaType.APPLICATION_JSON_TYPE).body(ApiError.of(ApiError.typeFor(status), message));
    }
}
