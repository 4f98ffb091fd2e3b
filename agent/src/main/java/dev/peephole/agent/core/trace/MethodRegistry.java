package dev.peephole.agent.core.trace;

import java.util.Arrays;
import java.util.Collection;
import java.util.Set;

/** Woven methods by id; the id is a constant in the woven code, so lookup is an array read. */
public final class MethodRegistry {
    private volatile MethodInfo[] infos = new MethodInfo[64];
    private int size;

    public synchronized MethodInfo register(MethodInfoFactory f) {
        int id = size++;
        MethodInfo[] a = infos;
        if (id >= a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        MethodInfo info = f.create(id);
        a[id] = info;
        infos = a;
        return info;
    }

    public interface MethodInfoFactory {
        MethodInfo create(int id);
    }

    public MethodInfo get(int id) {
        MethodInfo[] a = infos;
        return id >= 0 && id < a.length ? a[id] : null;
    }

    public synchronized int size() {
        return size;
    }

    /** Settings from the collector: which rules are switched on or off by name. */
    public synchronized void applyRuleSwitches(Collection<String> enabled, Collection<String> disabled) {
        Set<String> on = Set.copyOf(enabled);
        Set<String> off = Set.copyOf(disabled);
        for (int i = 0; i < size; i++) {
            MethodInfo m = infos[i];
            String n = m.rule.name;
            m.enabled = on.contains(n) || (m.rule.enabledByDefault && !off.contains(n));
        }
    }
}
