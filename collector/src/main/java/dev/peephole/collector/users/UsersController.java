package dev.peephole.collector.users;

import dev.peephole.collector.security.Principal;
import dev.peephole.collector.security.Requests;
import io.micronaut.core.annotation.Nullable;
import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpResponse;
import io.micronaut.http.annotation.Body;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Delete;
import io.micronaut.http.annotation.Get;
import io.micronaut.http.annotation.PathVariable;
import io.micronaut.http.annotation.Post;
import io.micronaut.http.annotation.Put;
import io.micronaut.scheduling.TaskExecutors;
import io.micronaut.scheduling.annotation.ExecuteOn;
import io.micronaut.serde.annotation.Serdeable;
import java.time.Instant;
import java.util.List;

/** Users (admins) and each user's own API tokens. */
@Controller("/api/v1")
@ExecuteOn(TaskExecutors.BLOCKING)
public class UsersController {

    private final UserService service;

    public UsersController(UserService service) {
        this.service = service;
    }

    @Serdeable
    public record UserView(long id, String username, String role, Instant createdAt, boolean disabled) {
        static UserView of(UserEntity u) {
            return new UserView(u.id(), u.username(), u.role(), u.createdAt(), u.disabled());
        }
    }

    @Serdeable
    public record NewUser(@Nullable String username, @Nullable String password, @Nullable String role) {
    }

    @Serdeable
    public record NewPassword(@Nullable String password) {
    }

    @Serdeable
    public record NewToken(@Nullable String name) {
    }

    @Serdeable
    public record TokenView(long id, String name, Instant createdAt, @Nullable Instant lastUsedAt) {
    }

    @Serdeable
    public record CreatedTokenView(long id, String name, String token) {
    }

    @Serdeable
    public record Data<T>(String status, T data) {
        static <T> Data<T> of(T data) {
            return new Data<>("success", data);
        }
    }

    @Get("/users")
    public Data<List<UserView>> users(HttpRequest<?> request) {
        Requests.admin(request);
        return Data.of(service.list().stream().map(UserView::of).toList());
    }

    @Post("/users")
    public HttpResponse<Data<UserView>> createUser(HttpRequest<?> request, @Body NewUser body) {
        Principal actor = Requests.admin(request);
        UserEntity created = service.create(actor, Requests.clientAddress(request), body.username(), body.password(),
                body.role());
        return HttpResponse.created(Data.of(UserView.of(created)));
    }

    @Put("/users/{username}/password")
    public Data<String> changePassword(HttpRequest<?> request, @PathVariable String username, @Body NewPassword body) {
        Principal actor = Requests.admin(request);
        service.changePassword(actor, Requests.clientAddress(request), username, body.password());
        return Data.of("password changed");
    }

    @Get("/tokens")
    public Data<List<TokenView>> tokens(HttpRequest<?> request) {
        Principal actor = Requests.principal(request);
        return Data.of(service.tokensOf(actor).stream()
                .map(t -> new TokenView(t.id(), t.name(), t.createdAt(), t.lastUsedAt())).toList());
    }

    @Post("/tokens")
    public HttpResponse<Data<CreatedTokenView>> createToken(HttpRequest<?> request, @Body NewToken body) {
        Principal actor = Requests.principal(request);
        UserService.CreatedToken t = service.createToken(actor, Requests.clientAddress(request), body.name());
        return HttpResponse.created(Data.of(new CreatedTokenView(t.id(), t.name(), t.token())));
    }

    @Delete("/tokens/{id}")
    public Data<String> deleteToken(HttpRequest<?> request, @PathVariable long id) {
        Principal actor = Requests.principal(request);
        service.deleteToken(actor, Requests.clientAddress(request), id);
        return Data.of("deleted");
    }
}
