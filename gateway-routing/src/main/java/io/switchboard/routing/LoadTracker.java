package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The gateway's own view of load: queries it submitted since each cluster's load was last probed (so a burst
 * between two probes is spread), and queries in flight from submission to their end.
 *
 * <p>A query whose end this gateway never sees (its client moved to another replica) leaves the in-flight count once
 * it went {@code idleExpiry} without a poll, at the next {@link #expireIdle} (the load prober's round). A poll only
 * stamps its query's entry: no cache bookkeeping on the hottest path of the gateway. Beyond {@code maximumQueries}
 * a new query displaces the least recently polled of a sample of entries, as Redis approximates LRU.
 */
public final class LoadTracker
{
    private static final int EVICTION_SAMPLE = 32;

    private final Map<ClusterId, AtomicInteger> sinceProbe = new ConcurrentHashMap<>();
    private final Map<ClusterId, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<QueryId, InFlight> running = new ConcurrentHashMap<>();
    private final long idleExpiryNanos;
    private final long maximumQueries;
    private final LongSupplier nanoTime;

    /** @param onEnd run once when the query ends, is cancelled or expires: gives back its concurrency permit */
    private static final class InFlight
    {
        final ClusterId cluster;
        final Runnable onEnd;
        volatile long lastSeenNanos;

        InFlight(ClusterId cluster, Runnable onEnd, long now)
        {
            this.cluster = cluster;
            this.onEnd = onEnd;
            this.lastSeenNanos = now;
        }
    }

    public LoadTracker(Duration idleExpiry, long maximumQueries)
    {
        this(idleExpiry, maximumQueries, System::nanoTime);
    }

    public LoadTracker(Duration idleExpiry, long maximumQueries, LongSupplier nanoTime)
    {
        this.idleExpiryNanos = idleExpiry.toNanos();
        if (maximumQueries < 1) {
            throw new IllegalArgumentException("maximumQueries must be positive");
        }
        this.maximumQueries = maximumQueries;
        this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
    }

    /** A query was sent to the cluster; counted until the next probe of the cluster's load. */
    public void submitted(ClusterId cluster)
    {
        counter(sinceProbe, cluster).incrementAndGet();
    }

    /** The cluster's load was just read: it includes everything submitted before. */
    public void probed(ClusterId cluster)
    {
        counter(sinceProbe, cluster).set(0);
    }

    /** The cluster accepted the query and named it. */
    public void started(QueryId query, ClusterId cluster)
    {
        started(query, cluster, () -> {});
    }

    /**
     * The cluster accepted the query and named it.
     *
     * @param onEnd run once when the query ends (or is forgotten after {@code idleExpiry} without a poll)
     */
    public void started(QueryId query, ClusterId cluster, Runnable onEnd)
    {
        if (running.get(query) != null) {
            // the same query id twice: the first registration carries the query's lifetime
            onEnd.run();
            return;
        }
        if (running.size() >= maximumQueries) {
            evictOne();
        }
        InFlight entry = new InFlight(cluster, onEnd, nanoTime.getAsLong());
        if (running.putIfAbsent(query, entry) == null) {
            counter(inFlight, cluster).incrementAndGet();
        }
        else {
            // the same query id twice: the first registration carries the query's lifetime
            onEnd.run();
        }
    }

    /** A follow-up of the query was seen: it is still running. */
    public void polled(QueryId query)
    {
        InFlight entry = running.get(query);
        if (entry != null) {
            entry.lastSeenNanos = nanoTime.getAsLong();
        }
    }

    public void ended(QueryId query)
    {
        InFlight entry = running.remove(query);
        if (entry != null) {
            end(entry);
        }
    }

    /** Drops the queries that went without a poll for longer than the expiry; the load prober calls it each round. */
    public void expireIdle()
    {
        long cutoff = nanoTime.getAsLong() - idleExpiryNanos;
        running.forEach((query, entry) -> {
            if (entry.lastSeenNanos - cutoff < 0 && running.remove(query, entry)) {
                end(entry);
            }
        });
    }

    public int inFlight(ClusterId cluster)
    {
        return Math.max(0, counter(inFlight, cluster).get());
    }

    public int submittedSinceProbe(ClusterId cluster)
    {
        return counter(sinceProbe, cluster).get();
    }

    /** Queries tracked now. */
    public int tracked()
    {
        return running.size();
    }

    private void evictOne()
    {
        QueryId oldest = null;
        InFlight oldestEntry = null;
        Iterator<Map.Entry<QueryId, InFlight>> entries = running.entrySet().iterator();
        for (int i = 0; i < EVICTION_SAMPLE && entries.hasNext(); i++) {
            Map.Entry<QueryId, InFlight> candidate = entries.next();
            if (oldestEntry == null || candidate.getValue().lastSeenNanos - oldestEntry.lastSeenNanos < 0) {
                oldest = candidate.getKey();
                oldestEntry = candidate.getValue();
            }
        }
        if (oldest != null && running.remove(oldest, oldestEntry)) {
            end(oldestEntry);
        }
    }

    private void end(InFlight entry)
    {
        counter(inFlight, entry.cluster).decrementAndGet();
        entry.onEnd.run();
    }

    private static AtomicInteger counter(Map<ClusterId, AtomicInteger> counters, ClusterId cluster)
    {
        return counters.computeIfAbsent(cluster, ignored -> new AtomicInteger());
    }
}
