package io.switchboard.routing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.RemovalCause;
import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The gateway's own view of load: queries it submitted since each cluster's load was last probed (so a burst
 * between two probes is spread), and queries in flight from submission to their end.
 *
 * <p>A query whose end this gateway never sees (its client moved to another replica) leaves the in-flight count after
 * {@code idleExpiry} without a poll.
 */
public final class LoadTracker
{
    private final Map<ClusterId, AtomicInteger> sinceProbe = new ConcurrentHashMap<>();
    private final Map<ClusterId, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final Cache<QueryId, InFlight> running;

    /** @param onEnd run once when the query ends, is cancelled or expires: gives back its concurrency permit */
    private record InFlight(ClusterId cluster, Runnable onEnd) {}

    public LoadTracker(Duration idleExpiry, long maximumQueries)
    {
        this.running = Caffeine.newBuilder()
                .expireAfterAccess(idleExpiry)
                .maximumSize(maximumQueries)
                .executor(Runnable::run)
                .removalListener((QueryId query, InFlight entry, RemovalCause cause) -> {
                    if (entry != null && cause != RemovalCause.REPLACED) {
                        counter(inFlight, entry.cluster()).decrementAndGet();
                        entry.onEnd().run();
                    }
                })
                .build();
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
        if (running.asMap().putIfAbsent(query, new InFlight(cluster, onEnd)) == null) {
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
        running.getIfPresent(query);
    }

    public void ended(QueryId query)
    {
        running.invalidate(query);
    }

    /** Drops queries idle past the expiry now rather than at the next access; for periodic housekeeping. */
    public void expireIdle()
    {
        running.cleanUp();
    }

    public int inFlight(ClusterId cluster)
    {
        return Math.max(0, counter(inFlight, cluster).get());
    }

    public int submittedSinceProbe(ClusterId cluster)
    {
        return counter(sinceProbe, cluster).get();
    }

    private static AtomicInteger counter(Map<ClusterId, AtomicInteger> counters, ClusterId cluster)
    {
        return counters.computeIfAbsent(cluster, ignored -> new AtomicInteger());
    }
}
