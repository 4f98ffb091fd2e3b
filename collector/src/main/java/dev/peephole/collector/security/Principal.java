package dev.peephole.collector.security;

import dev.peephole.collector.users.Role;

/** Who made a request, and how they proved it. */
public record Principal(long userId, String username, Role role, String via) {

    public boolean isAdmin() {
        return role == Role.ADMIN;
    }
}
