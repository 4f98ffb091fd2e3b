package dev.peephole.collector.http;

import dev.peephole.collector.users.UserService;
import io.micronaut.context.annotation.Requires;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.server.exceptions.ExceptionHandler;
import jakarta.inject.Singleton;

/** A request the service refused is the caller's mistake: 400 with the reason. */
@Singleton
@Requires(classes = UserService.InvalidRequest.class)
public class InvalidRequestHandler implements ExceptionHandler<UserService.InvalidRequest, HttpResponse<ApiError>> {

    @Override
    public HttpResponse<ApiError> handle(HttpRequest request, UserService.InvalidRequest exception) {
        return ApiError.badData(exception.getMessage());
    }
}
