package dev.peephole.collector.users;

/** What a user may do: viewers read, admins also change. */
public enum Role {
    VIEWER, ADMIN;

    public String dbValue() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }

    public static Role fromDb(String value) {
        return valueOf(value.toUpperCase(java.util.Locale.ROOT));
    }
}
