package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * The queries this gateway routed most recently, newest last, bounded: what the admin API lists. Once full, a new
 * query takes the place of the oldest.
 *
 * <p>Kept in a {@link QueryIdRing} with one array per field rather than an object per query: a million queries take
 * about 70 bytes each. Instants are kept as nanoseconds since the epoch (exact from 1677 to 2262), user and source
 * names, cluster, group, state and error names as shared instances. {@link Entry} values are made when read.
 */
public final class QueryHistory
{
    /** The most queries the list can be configured to hold. */
    public static final int MAX_ENTRIES = QueryIdRing.MAX_CAPACITY;

    /** One routed query; {@code state} is the last state seen and {@code ended} is set once it ended. */
    public record Entry(
            String queryId,
            String user,
            String source,
            String cluster,
            String group,
            Instant submitted,
            String state,
            String errorName,
            long elapsedMillis,
            Instant ended)
    {
        public Entry
        {
            requireNonNull(queryId, "queryId is null");
            requireNonNull(submitted, "submitted is null");
        }
    }

    private static final String QUEUED = "QUEUED";
    private static final long NOT_ENDED = Long.MIN_VALUE;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    // at most this many entries are read under the lock at a time while listing, so that recording waits little
    private static final int LIST_BATCH = 1024;
    // values clients choose (users, sources) and values the gateway and its clusters choose are interned apart, so
    // that a flood of distinct users does not keep restarting the table of states and cluster names
    private static final int CLIENT_VALUES = 8192;
    private static final int GATEWAY_VALUES = 1024;

    private final QueryIdRing ring;
    private final BoundedInterner<String> clientValues = new BoundedInterner<>(CLIENT_VALUES);
    private final BoundedInterner<String> gatewayValues = new BoundedInterner<>(GATEWAY_VALUES);
    private String[] users;
    private String[] sources;
    private String[] clusters;
    private String[] groups;
    private String[] states;
    private String[] errorNames;
    private long[] submittedNanos;
    private long[] endedNanos;
    private long[] elapsedMillis;

    public QueryHistory(int capacity)
    {
        if (capacity < 1 || capacity > MAX_ENTRIES) {
            throw new IllegalArgumentException("capacity must be between 1 and " + MAX_ENTRIES + ": " + capacity);
        }
        this.ring = new QueryIdRing(capacity, this::grow);
        grow(ring.slots());
    }

    public synchronized void submitted(String queryId, String user, String source, String cluster, String group, Instant now)
    {
        requireNonNull(queryId, "queryId is null");
        long submitted = nanosOf(requireNonNull(now, "now is null"));
        int found = ring.findOrAdd(queryId);
        if (found >= 0) {
            return;
        }
        int slot = ~found;
        users[slot] = clientValues.intern(user);
        sources[slot] = clientValues.intern(source);
        clusters[slot] = gatewayValues.intern(cluster);
        groups[slot] = gatewayValues.intern(group);
        states[slot] = QUEUED;
        errorNames[slot] = null;
        submittedNanos[slot] = submitted;
        endedNanos[slot] = NOT_ENDED;
        elapsedMillis[slot] = -1;
    }

    public synchronized void ended(String queryId, String state, String errorName, long elapsedMillis, Instant now)
    {
        long ended = nanosOf(requireNonNull(now, "now is null"));
        int slot = queryId == null ? -1 : ring.find(queryId);
        if (slot >= 0) {
            states[slot] = gatewayValues.intern(state);
            errorNames[slot] = gatewayValues.intern(errorName);
            this.elapsedMillis[slot] = elapsedMillis;
            endedNanos[slot] = ended;
        }
    }

    public synchronized Optional<Entry> find(String queryId)
    {
        int slot = queryId == null ? -1 : ring.find(queryId);
        return slot < 0 ? Optional.empty() : Optional.of(entryAt(slot));
    }

    /** The newest entries first that pass the filter, at most {@code limit}. */
    public List<Entry> recent(Predicate<Entry> filter, int limit)
    {
        List<Entry> result = new ArrayList<>(Math.min(limit, 256));
        List<Entry> batch = new ArrayList<>(LIST_BATCH);
        long next;
        synchronized (this) {
            next = ring.added() - 1;
        }
        while (result.size() < limit) {
            batch.clear();
            synchronized (this) {
                // entries added since the listing began are newer than it; those overwritten meanwhile were the oldest
                for (long sequence = next; sequence >= ring.oldest() && batch.size() < LIST_BATCH; sequence--) {
                    batch.add(entryAt(ring.slotOf(sequence)));
                }
            }
            if (batch.isEmpty()) {
                break;
            }
            next -= batch.size();
            // the filter runs outside the lock
            for (int i = 0; i < batch.size() && result.size() < limit; i++) {
                if (filter.test(batch.get(i))) {
                    result.add(batch.get(i));
                }
            }
        }
        return result;
    }

    public synchronized int size()
    {
        return ring.size();
    }

    private Entry entryAt(int slot)
    {
        long ended = endedNanos[slot];
        return new Entry(ring.idAt(slot), users[slot], sources[slot], clusters[slot], groups[slot], instantOf(submittedNanos[slot]),
                states[slot], errorNames[slot], elapsedMillis[slot], ended == NOT_ENDED ? null : instantOf(ended));
    }

    private void grow(int slots)
    {
        users = copyOf(users, slots);
        sources = copyOf(sources, slots);
        clusters = copyOf(clusters, slots);
        groups = copyOf(groups, slots);
        states = copyOf(states, slots);
        errorNames = copyOf(errorNames, slots);
        submittedNanos = copyOf(submittedNanos, slots);
        endedNanos = copyOf(endedNanos, slots);
        elapsedMillis = copyOf(elapsedMillis, slots);
    }

    private static String[] copyOf(String[] values, int length)
    {
        return values == null ? new String[length] : Arrays.copyOf(values, length);
    }

    private static long[] copyOf(long[] values, int length)
    {
        return values == null ? new long[length] : Arrays.copyOf(values, length);
    }

    /** Nanoseconds since the epoch, held to the range of a long: years 1677 to 2262 (never {@link #NOT_ENDED}). */
    private static long nanosOf(Instant instant)
    {
        long seconds = instant.getEpochSecond();
        if (seconds > Long.MAX_VALUE / NANOS_PER_SECOND - 1) {
            return Long.MAX_VALUE;
        }
        if (seconds < Long.MIN_VALUE / NANOS_PER_SECOND + 1) {
            return Long.MIN_VALUE + 1;
        }
        return seconds * NANOS_PER_SECOND + instant.getNano();
    }

    private static Instant instantOf(long nanos)
    {
        return Instant.ofEpochSecond(Math.floorDiv(nanos, NANOS_PER_SECOND), Math.floorMod(nanos, NANOS_PER_SECOND));
    }
}
