package dev.peephole.collector.http;

import io.micronaut.http.HttpResponse;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.MutableHttpResponse;
import io.micronaut.serde.annotation.Serdeable;

/** Prometheus' error body, the shape of every 4xx and 5xx the API returns. */
@Serdeable
public record ApiError(String status, String errorType, String error) {

    public static ApiError of(String errorType, String message) {
        return new ApiError("error", errorType, message);
    }

    public static MutableHttpResponse<ApiError> response(HttpStatus status, String message) {
        return HttpResponse.<ApiError>status(status).body(of(typeFor(status), message));
    }

    public static MutableHttpResponse<ApiError> badData(String message) {
        return response(HttpStatus.BAD_REQUEST, message);
    }

    /** Prometheus' error types, by HTTP status. */
    public static String typeFor(HttpStatus status) {
        return switch (status.getCode()) {
            case 400, 405, 406, 413, 415 -> "bad_data";
            case 401 -> "unauthorized";
            case 403 -> "forbidden";
            case 404 -> "not_found";
            case 422 -> "execution";
            case 429 -> "too_many_requests";
            case 503 -> "unavailable";
            case 504 -> "timeout";
            default -> status.getCode() >= 500 ? "internal" : "bad_data";
        };
    }
}
