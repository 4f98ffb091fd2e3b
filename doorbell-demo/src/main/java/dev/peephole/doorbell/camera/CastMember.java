package dev.peephole.doorbell.camera;

/** Someone who comes to the door in the simulation, with a fixed face. */
public final class CastMember {

    /** How the household knows this person. */
    public enum Category { RESIDENT, VISITOR, BLACKLISTED }

    private final String id;
    private final String name;
    private final Category category;
    private final FacialFeatures face;

    public CastMember(String id, String name, Category category) {
        this(id, name, category, FacialFeatures.forId(id));
    }

    public CastMember(String id, String name, Category category, FacialFeatures face) {
        this.id = id;
        this.name = name;
        this.category = category;
        this.face = face;
    }

    public String getId() {
        return id;
    }

    public String getName() {
        return name;
    }

    public Category getCategory() {
        return category;
    }

    public FacialFeatures getFace() {
        return face;
    }

    @Override
    public String toString() {
        return name + " (" + id + ", " + category.name().toLowerCase(java.util.Locale.ROOT) + ")";
    }
}
