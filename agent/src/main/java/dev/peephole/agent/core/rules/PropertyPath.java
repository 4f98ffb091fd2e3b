package dev.peephole.agent.core.rules;

import java.lang.reflect.Array;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Collection;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A value reached from a method call: {@code return}, {@code this}, {@code argN}, followed by
 * property names ({@code return.personName}, {@code arg0.width}, {@code this.camera.fps}). A
 * property is read through {@code getX()}, {@code isX()}, {@code x()} or the field {@code x};
 * {@code size} and {@code length} also work on collections, maps, arrays and strings.
 * A missing property or a null on the way yields null; a getter that throws yields null.
 */
public final class PropertyPath {
    public enum Root { RETURN, THIS, ARG }

    private final String text;
    private final Root root;
    private final int arg;
    private final String[] segments;

    private PropertyPath(String text, Root root, int arg, String[] segments) {
        this.text = text;
        this.root = root;
        this.arg = arg;
        this.segments = segments;
    }

    public static PropertyPath parse(String text) {
        String t = text.trim();
        String[] parts = t.split("\\.", -1);
        String head = parts[0];
        Root root;
        int arg = -1;
        if (head.equals("return")) {
            root = Root.RETURN;
        } else if (head.equals("this")) {
            root = Root.THIS;
        } else if (head.matches("arg\\d+")) {
            root = Root.ARG;
            arg = Integer.parseInt(head.substring(3));
        } else {
            throw new IllegalArgumentException("'" + text + "' must start with return, this or argN");
        }
        String[] segs = new String[parts.length - 1];
        System.arraycopy(parts, 1, segs, 0, segs.length);
        for (String s : segs) {
            if (s.isEmpty()) {
                throw new IllegalArgumentException("'" + text + "' has an empty property name");
            }
        }
        return new PropertyPath(t, root, arg, segs);
    }

    public Root root() {
        return root;
    }

    public int arg() {
        return arg;
    }

    @Override
    public String toString() {
        return text;
    }

    /** Resolves from the call; never throws. */
    public Object resolve(Object self, Object[] args, Object returned) {
        Object v;
        switch (root) {
            case RETURN:
                v = returned;
                break;
            case THIS:
                v = self;
                break;
            default:
                v = args != null && arg < args.length ? args[arg] : null;
        }
        for (String s : segments) {
            if (v == null) {
                return null;
            }
            v = property(v, s);
        }
        return v;
    }

    // ------------------------------------------------------------------ reflection, cached per class

    private interface Accessor {
        Object get(Object target) throws Exception;
    }

    private static final Accessor MISSING = t -> null;

    private static final ClassValue<Map<String, Accessor>> ACCESSORS = new ClassValue<>() {
        @Override
        protected Map<String, Accessor> computeValue(Class<?> type) {
            return new ConcurrentHashMap<>();
        }
    };

    static Object property(Object target, String name) {
        Accessor a = accessor(target.getClass(), name);
        try {
            return a.get(target);
        } catch (Throwable e) {
            return null;
        }
    }

    /** A plain lookup once found: no lambda made per call, as computeIfAbsent's capturing one would be. */
    private static Accessor accessor(Class<?> type, String name) {
        Map<String, Accessor> byName = ACCESSORS.get(type);
        Accessor a = byName.get(name);
        return a != null ? a : byName.computeIfAbsent(name, n -> find(type, n));
    }

    private static Accessor find(Class<?> type, String name) {
        if (name.equals("size") || name.equals("length")) {
            if (type.isArray()) {
                return Array::getLength;
            }
            if (Collection.class.isAssignableFrom(type)) {
                return t -> ((Collection<?>) t).size();
            }
            if (Map.class.isAssignableFrom(type)) {
                return t -> ((Map<?, ?>) t).size();
            }
            if (CharSequence.class.isAssignableFrom(type)) {
                return t -> ((CharSequence) t).length();
            }
        }
        String cap = name.substring(0, 1).toUpperCase(Locale.ROOT) + name.substring(1);
        for (String m : new String[] {"get" + cap, "is" + cap, name}) {
            Method method = method(type, m);
            if (method != null) {
                return t -> method.invoke(t, (Object[]) null); // no arguments: no array per call
            }
        }
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Field f = c.getDeclaredField(name);
                if (!Modifier.isStatic(f.getModifiers())) {
                    f.setAccessible(true);
                    return f::get;
                }
            } catch (NoSuchFieldException | RuntimeException ignored) {
                // up the hierarchy
            }
        }
        return MISSING;
    }

    private static Method method(Class<?> type, String name) {
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            try {
                Method m = c.getDeclaredMethod(name);
                if (m.getReturnType() == void.class || Modifier.isStatic(m.getModifiers())) {
                    return null;
                }
                if (!Modifier.isPublic(m.getModifiers()) || !Modifier.isPublic(c.getModifiers())) {
                    m.setAccessible(true);
                }
                return m;
            } catch (NoSuchMethodException ignored) {
                // up the hierarchy
            } catch (RuntimeException e) {
                return null; // not accessible
            }
        }
        try {
            Method m = type.getMethod(name); // interface defaults
            return m.getReturnType() == void.class ? null : m;
        } catch (NoSuchMethodException | RuntimeException e) {
            return null;
        }
    }
}
