package dev.peephole.collector.http;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A malformed query parameter: 400 in Prometheus' error shape. */
@Singleton
public class BadParameterHandler implements ExceptionHandler<TimeParams.BadParameter, HttpResponse<ApiError>> {

    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, TimeParams.BadParameter exception) {
        return ApiError.badData(exception.getMessage());
    }
}
