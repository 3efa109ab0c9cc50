package io.switchboard.routing;

import java.util.HashMap;
import java.util.Map;

/**
 * One shared instance per distinct value (user names, sources, states), so that a million entries naming a few
 * thousand users hold a few thousand strings. Holds at most {@code limit} values: when a new value finds it full, it
 * starts over empty, so that a flood of distinct values cannot grow it. Values handed out before stay valid; they are
 * merely no longer shared with later equal ones. Not thread-safe: owners lock.
 */
final class BoundedInterner<T>
{
    private final int limit;
    private final Map<T, T> canonical = new HashMap<>();

    BoundedInterner(int limit)
    {
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
        this.limit = limit;
    }

    /** The shared instance equal to the value, which becomes that instance if there was none; null for null. */
    T intern(T value)
    {
        if (value == null) {
            return null;
        }
        T found = canonical.get(value);
        if (found != null) {
            return found;
        }
        if (canonical.size() >= limit) {
            canonical.clear();
        }
        canonical.put(value, value);
        return value;
    }

    int size()
    {
        return canonical.size();
    }
}
