package dev.peephole.doorbell.vision;

import java.util.Objects;

/** An enrolled person. */
public final class Person {
    private final String id;
    private final String name;
    private final Role role;

    public Person(String id, String name, Role role) {
        this.id = Objects.requireNonNull(id, "id");
        this.name = Objects.requireNonNull(name, "name");
        this.role = Objects.requireNonNull(role, "role");
    }

    public String getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public Role getRole() {
        return role;
    }

    @Override
    public String toString() {
        return name + " (" + id + ", " + role.label() + ")";
    }
}
