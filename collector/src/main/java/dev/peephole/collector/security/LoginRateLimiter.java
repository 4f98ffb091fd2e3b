package dev.peephole.collector.security;

import jakarta.inject.Singleton;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins, counted per client address and per (user, address) in a sliding-ish
 * window; past the limit every attempt from there is refused with 429 until the window
 * ends, right password or not. Bounded: the table is cleared if it grows past its cap.
 */
@Singleton
public class LoginRateLimiter {

    static final int MAX_FAILURES_PER_USER_AND_ADDRESS = 5;
    static final int MAX_FAILURES_PER_ADDRESS = 20;
    static final long WINDOW_MILLIS = 5 * 60_000L;
    private static final int MAX_ENTRIES = 100_000;

    private record Window(long startedAt, int failures) {
    }

    private final Map<String, Window> failures = new ConcurrentHashMap<>();

    /** Whether attempts for this user from this address are currently refused. */
    public boolean isBlocked(String username, String address, long now) {
        return over(address, MAX_FAILURES_PER_ADDRESS, now)
                || over(username + '\n' + address, MAX_FAILURES_PER_USER_AND_ADDRESS, now);
    }

    public void failed(String username, String address, long now) {
        if (failures.size() > MAX_ENTRIES) {
            failures.clear();
        }
        bump(address, now);
        bump(username + '\n' + address, now);
    }

    public void succeeded(String username, String address) {
        failures.remove(username + '\n' + address);
    }

    private boolean over(String key, int limit, long now) {
        Window w = failures.get(key);
        return w != null && now - w.startedAt() < WINDOW_MILLIS && w.failures() >= limit;
    }

    private void bump(String key, long now) {
        failures.compute(key, (k, w) -> w == null || now - w.startedAt() >= WINDOW_MILLIS
                ? new Window(now, 1) : new Window(w.startedAt(), w.failures() + 1));
    }
}
