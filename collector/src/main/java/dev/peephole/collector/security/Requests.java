package dev.peephole.collector.security;

import io.micronaut.http.HttpRequest;
import io.micronaut.http.HttpStatus;
import io.micronaut.http.exceptions.HttpStatusException;

/** The authenticated principal and client address of a request. */
public final class Requests {

    private Requests() {
    }

    public static Principal principal(HttpRequest<?> request) {
        return request.getAttribute(AuthFilter.PRINCIPAL_ATTRIBUTE, Principal.class)
                .orElseThrow(() -> new HttpStatusException(HttpStatus.UNAUTHORIZED, "authentication required"));
    }

    /** The principal, who must be an admin (for reads that only admins may make). */
    public static Principal admin(HttpRequest<?> request) {
        Principal p = principal(request);
        if (!p.isAdmin()) {
            throw new HttpStatusException(HttpStatus.FORBIDDEN, "this needs the admin role");
        }
        return p;
    }

    /** The peer address; forwarded headers are not trusted. */
    public static String clientAddress(HttpRequest<?> request) {
        return request.getRemoteAddress().getAddress() == null ? ""
                : request.getRemoteAddress().getAddress().getHostAddress();
    }

}
