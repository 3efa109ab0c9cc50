package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;

import java.time.Duration;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The gateway's own view of load: queries it submitted since each cluster's load was last probed (so a burst
 * between two probes is spread), and queries in flight from submission to their end.
 *
 * <p>A query whose end this gateway never sees (its client moved to another replica) leaves the in-flight count once
 * it went {@code idleExpiry} without a poll, at the first {@link #expireIdle} (the load prober's round) that comes a
 * sixteenth of the expiry after the last one that looked: at most that much late. A poll only
 * stamps its query's entry: no cache bookkeeping on the hottest path of the gateway. When {@code maximumQueries} are
 * tracked (clients that submit and never poll, faster than the expiry forgets them), the trimmer forgets the least
 * recently polled quarter in one pass over the map, off the submitting thread: a submission never pays for more than
 * scheduling that pass, and the map exceeds the maximum only by what arrives while the pass runs.
 */
public final class LoadTracker
{
    /** How many entries' last polls a trim reads to find the age beyond which it forgets. */
    private static final int TRIM_SAMPLE = 1024;

    private final Map<ClusterId, AtomicInteger> sinceProbe = new ConcurrentHashMap<>();
    private final Map<ClusterId, AtomicInteger> inFlight = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<QueryId, InFlight> running = new ConcurrentHashMap<>();
    private final long idleExpiryNanos;
    private final long maximumQueries;
    private final LongSupplier nanoTime;
    private final Executor trimmer;
    private final AtomicBoolean trimming = new AtomicBoolean();
    /** When {@link #expireIdle} next looks at the entries; only the load prober's thread calls it. */
    private long nextSweepNanos;

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

    /** A tracker that trims on the thread that reaches the maximum: for tests and tools. */
    public LoadTracker(Duration idleExpiry, long maximumQueries)
    {
        this(idleExpiry, maximumQueries, System::nanoTime, Runnable::run);
    }

    /** @param trimmer runs the pass that forgets the least recently polled queries once the maximum is reached */
    public LoadTracker(Duration idleExpiry, long maximumQueries, LongSupplier nanoTime, Executor trimmer)
    {
        this.idleExpiryNanos = idleExpiry.toNanos();
        if (maximumQueries < 1) {
            throw new IllegalArgumentException("maximumQueries must be positive");
        }
        this.maximumQueries = maximumQueries;
        this.nanoTime = requireNonNull(nanoTime, "nanoTime is null");
        this.trimmer = requireNonNull(trimmer, "trimmer is null");
        this.nextSweepNanos = nanoTime.getAsLong();
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
        if (running.size() >= maximumQueries && trimming.compareAndSet(false, true)) {
            try {
                trimmer.execute(this::trim);
            }
            catch (RejectedExecutionException e) {
                // the gateway is stopping
                trimming.set(false);
            }
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

    /**
     * Drops the queries that went without a poll for longer than the expiry. The load prober calls it each round; it
     * looks at the entries at most every sixteenth of the expiry.
     */
    public void expireIdle()
    {
        long now = nanoTime.getAsLong();
        if (now - nextSweepNanos < 0) {
            // a pass over every tracked query each probe round (every few seconds) would cost more than a sixteenth of
            // the expiry's precision is worth
            return;
        }
        nextSweepNanos = now + idleExpiryNanos / 16;
        long cutoff = now - idleExpiryNanos;
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

    /**
     * Forgets the least recently polled quarter of the maximum in one pass over the map. The age to forget beyond is
     * read from the first entries the map iterates, which are in the order of their ids' hashes and so a fair sample
     * of ages; the pass then removes at most that many entries at least as old.
     */
    private void trim()
    {
        try {
            long excess = running.size() - (maximumQueries - Math.max(1, maximumQueries / 4));
            if (excess <= 0) {
                return;
            }
            long now = nanoTime.getAsLong();
            long[] ages = new long[TRIM_SAMPLE];
            int sampled = 0;
            for (Iterator<InFlight> entries = running.values().iterator(); sampled < ages.length && entries.hasNext(); ) {
                ages[sampled++] = now - entries.next().lastSeenNanos;
            }
            if (sampled == 0) {
                return;
            }
            int tracked = Math.max(sampled, running.size());
            Arrays.sort(ages, 0, sampled);
            // the sample's oldest k are the share of it that the excess is of the map: forget what is at least as old
            int k = (int) Math.min(sampled, Math.max(1, Math.ceil((double) excess * sampled / tracked)));
            long minimumAge = ages[sampled - k];
            long forgotten = 0;
            for (Map.Entry<QueryId, InFlight> candidate : running.entrySet()) {
                if (forgotten >= excess) {
                    break;
                }
                InFlight entry = candidate.getValue();
                if (now - entry.lastSeenNanos >= minimumAge && running.remove(candidate.getKey(), entry)) {
                    end(entry);
                    forgotten++;
                }
            }
        }
        finally {
            trimming.set(false);
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
