package dev.peephole.doorbell.vision;

import java.util.Locale;

/** How an enrolled person relates to the household. */
public enum Role {
    RESIDENT, VISITOR, BLACKLISTED;

    /** Lower-case name, as shown in the API. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
