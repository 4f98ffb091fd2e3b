package dev.peephole.doorbell.camera;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The fixed cast of people who come to this door. Strangers are made up on the fly by the camera. */
public final class Cast {
    private final List<CastMember> members;

    public Cast(List<CastMember> members) {
        this.members = Collections.unmodifiableList(new ArrayList<>(members));
    }

    /** Three residents, three known visitors and two people the household has blacklisted. */
    public static Cast standard() {
        List<CastMember> m = new ArrayList<>();
        m.add(new CastMember("res-001", "Alice Moreau", CastMember.Category.RESIDENT));
        m.add(new CastMember("res-002", "Ben Okafor", CastMember.Category.RESIDENT));
        m.add(new CastMember("res-003", "Chloe Nakamura", CastMember.Category.RESIDENT));
        m.add(new CastMember("vis-001", "Dave Lindqvist", CastMember.Category.VISITOR));
        m.add(new CastMember("vis-002", "Priya Shah", CastMember.Category.VISITOR));
        m.add(new CastMember("vis-003", "Marco Rossi", CastMember.Category.VISITOR));
        m.add(new CastMember("blk-001", "Victor Crane", CastMember.Category.BLACKLISTED));
        m.add(new CastMember("blk-002", "Nadia Voss", CastMember.Category.BLACKLISTED));
        return new Cast(m);
    }

    public List<CastMember> getMembers() {
        return members;
    }

    public List<CastMember> byCategory(CastMember.Category category) {
        List<CastMember> out = new ArrayList<>();
        for (CastMember member : members) {
            if (member.getCategory() == category) {
                out.add(member);
            }
        }
        return out;
    }

    public CastMember byId(String id) {
        for (CastMember member : members) {
            if (member.getId().equals(id)) {
                return member;
            }
        }
        return null;
    }
}
