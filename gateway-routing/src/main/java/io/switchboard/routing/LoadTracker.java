package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.StampedLock;
import java.util.function.LongSupplier;

/**
 * The gateway's own view of load: queries it submitted since each cluster's load was last probed (so a burst
 * between two probes is spread), and queries in flight from submission to their end.
 *
 * <p>A query whose end this gateway never sees (its client moved to another replica) leaves the in-flight count once
 * it went {@code idleExpiry} without a poll, at the first {@link #expireIdle} (the load prober's round) that comes a
 * sixteenth of the expiry after the last one that looked: at most that much late. When {@code maximumQueries} are
 * tracked (clients that submit and never poll, faster than the expiry forgets them), the trimmer forgets the least
 * recently polled quarter, off the submitting thread: a submission never pays for more than scheduling that pass, and
 * the table exceeds the maximum only by what arrives while the pass runs.
 *
 * <p>Queries are kept without an object per query, so that the young collections of a gateway taking thousands of
 * submissions a second have nothing of theirs to copy: the table is split in {@value #STRIPES} stripes by the id's
 * hash, each an open-addressing index over columns of packed ids ({@link QueryIdPacking}), last-poll times, counters
 * and end callbacks, behind a {@link StampedLock}. A poll, the hottest path, only stamps its query's time after an
 * optimistic read, without writing to the lock.
 */
public final class LoadTracker
{
    /** How many entries' last polls a trim reads to find the age beyond which it forgets. */
    private static final int TRIM_SAMPLE = 1024;
    private static final int STRIPES = 16;
    private static final VarHandle TIME = MethodHandles.arrayElementVarHandle(long[].class);

    private final Map<ClusterId, Counts> counts = new ConcurrentHashMap<>();
    private final Stripe[] stripes = new Stripe[STRIPES];
    private final LongAdder tracked = new LongAdder();
    private final long idleExpiryNanos;
    private final long maximumQueries;
    private final LongSupplier nanoTime;
    private final Executor trimmer;
    private final AtomicBoolean trimming = new AtomicBoolean();
    /** When {@link #expireIdle} next looks at the entries; only the load prober's thread calls it. */
    private long nextSweepNanos;

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
        for (int i = 0; i < STRIPES; i++) {
            stripes[i] = new Stripe();
        }
    }

    /** A query was sent to the cluster; counted until the next probe of the cluster's load. */
    public void submitted(ClusterId cluster)
    {
        counts(cluster).submitted.increment();
    }

    /** The cluster's load was just read: it includes everything submitted before. */
    public void probed(ClusterId cluster)
    {
        Counts counts = counts(cluster);
        counts.submittedAtProbe = counts.submitted.sum();
    }

    /** The cluster accepted the query and named it. */
    public void started(QueryId query, ClusterId cluster)
    {
        started(query, cluster, null);
    }

    /**
     * The cluster accepted the query and named it.
     *
     * @param onEnd run once when the query ends (or is forgotten after {@code idleExpiry} without a poll); may be null
     */
    public void started(QueryId query, ClusterId cluster, Runnable onEnd)
    {
        Key key = new Key(query.value());
        Stripe stripe = stripes[key.hash >>> 28];
        if (stripe.contains(key)) {
            // the same query id twice: the first registration carries the query's lifetime
            run(onEnd);
            return;
        }
        if (tracked.sum() >= maximumQueries && trimming.compareAndSet(false, true)) {
            try {
                trimmer.execute(this::trim);
            }
            catch (RejectedExecutionException e) {
                // the gateway is stopping
                trimming.set(false);
            }
        }
        if (stripe.add(key, counts(cluster).inFlight, onEnd, nanoTime.getAsLong())) {
            tracked.increment();
        }
        else {
            run(onEnd);
        }
    }

    /** A follow-up of the query was seen: it is still running. */
    public void polled(QueryId query)
    {
        Key key = new Key(query.value());
        stripes[key.hash >>> 28].stamp(key, nanoTime.getAsLong());
    }

    public void ended(QueryId query)
    {
        Key key = new Key(query.value());
        Runnable onEnd = stripes[key.hash >>> 28].remove(key);
        if (onEnd != null) {
            tracked.decrement();
            onEnd.run();
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
        forget(now - idleExpiryNanos, Long.MAX_VALUE);
    }

    public int inFlight(ClusterId cluster)
    {
        return (int) Math.max(0, counts(cluster).inFlight.sum());
    }

    public int submittedSinceProbe(ClusterId cluster)
    {
        Counts counts = counts(cluster);
        return (int) Math.max(0, counts.submitted.sum() - counts.submittedAtProbe);
    }

    /** Queries tracked now. */
    public int tracked()
    {
        return tracked.intValue();
    }

    /**
     * Forgets the least recently polled quarter of the maximum in one pass. The age to forget beyond is read from a
     * sample of evenly spaced entries; the pass then removes at most the excess of entries at least as old.
     */
    private void trim()
    {
        try {
            long excess = tracked.sum() - (maximumQueries - Math.max(1, maximumQueries / 4));
            if (excess <= 0) {
                return;
            }
            long now = nanoTime.getAsLong();
            AgeSample sample = new AgeSample(now, (int) Math.max(1, tracked.sum() / TRIM_SAMPLE));
            for (Stripe stripe : stripes) {
                stripe.sampleAges(sample);
            }
            int sampled = sample.size;
            if (sampled == 0) {
                return;
            }
            long[] ages = sample.ages;
            long tracked = Math.max(sampled, this.tracked.sum());
            Arrays.sort(ages, 0, sampled);
            // the sample's oldest k are the share of it that the excess is of the table: forget what is at least as old
            int k = (int) Math.min(sampled, Math.max(1, Math.ceil((double) excess * sampled / tracked)));
            forget(now - ages[sampled - k], excess);
        }
        finally {
            trimming.set(false);
        }
    }

    /** Forgets at most {@code limit} queries last polled at or before {@code cutoff}, ending each. */
    private void forget(long cutoff, long limit)
    {
        long forgotten = 0;
        List<Runnable> ends = new ArrayList<>();
        for (Stripe stripe : stripes) {
            if (forgotten >= limit) {
                break;
            }
            forgotten += stripe.removeIdle(cutoff, limit - forgotten, ends);
            tracked.add(-ends.size());
            // outside the stripe's lock: a permit given back may start the next queued query, which registers here
            ends.forEach(Runnable::run);
            ends.clear();
        }
    }

    private static void run(Runnable onEnd)
    {
        if (onEnd != null) {
            onEnd.run();
        }
    }

    private Counts counts(ClusterId cluster)
    {
        return counts.computeIfAbsent(cluster, ignored -> new Counts());
    }

    /**
     * A cluster's counters. Both event loops count every submission and end, so the counters are {@link LongAdder}s:
     * a shared atomic, and anything next to it in memory, would move between the cores on every request.
     */
    private static final class Counts
    {
        final LongAdder submitted = new LongAdder();
        final LongAdder inFlight = new LongAdder();
        /** {@link #submitted} when the cluster's load was last read: only the load prober writes it. */
        volatile long submittedAtProbe;
    }

    /** Ages of every {@code stride}-th tracked query, up to {@value #TRIM_SAMPLE} of them. */
    private static final class AgeSample
    {
        final long now;
        final int stride;
        final long[] ages = new long[TRIM_SAMPLE];
        int size;
        long looked;

        AgeSample(long now, int stride)
        {
            this.now = now;
            this.stride = stride;
        }

        boolean full()
        {
            return size == ages.length;
        }

        void offer(long lastPoll)
        {
            if (looked++ % stride == 0) {
                ages[size++] = now - lastPoll;
            }
        }
    }

    /** A query id packed once for all the lookups of one call. */
    private static final class Key
    {
        final String id;
        final int low;
        final long high;
        final int hash;

        Key(String id)
        {
            this.id = id;
            this.low = QueryIdPacking.low(id);
            this.high = QueryIdPacking.high(id, low);
            this.hash = QueryIdPacking.hash(high, low);
        }
    }

    /** One lock's share of the queries; its table is replaced whole when it grows, so a reader sees one table. */
    private static final class Stripe
    {
        private static final int INITIAL_SLOTS = 16;
        /** Marks a slot's end callback when the query has none, so that a live slot never holds null. */
        private static final Runnable NONE = () -> {};

        private final StampedLock lock = new StampedLock();
        private Table table = new Table(INITIAL_SLOTS);

        boolean contains(Key key)
        {
            long stamp = lock.tryOptimisticRead();
            if (stamp != 0) {
                boolean found = table.find(key) >= 0;
                if (lock.validate(stamp)) {
                    return found;
                }
            }
            stamp = lock.readLock();
            try {
                return table.find(key) >= 0;
            }
            finally {
                lock.unlockRead(stamp);
            }
        }

        /**
         * Stamps the query's last poll. Found under an optimistic read; a stamp racing a writer of this stripe may be
         * lost to a table that grew meanwhile, or land on the slot's next query: either moves one query's idle clock
         * by one poll.
         */
        void stamp(Key key, long now)
        {
            long stamp = lock.tryOptimisticRead();
            if (stamp != 0) {
                Table current = table;
                int slot = current.find(key);
                if (lock.validate(stamp)) {
                    if (slot >= 0) {
                        TIME.setOpaque(current.lastPoll, slot, now);
                    }
                    return;
                }
            }
            stamp = lock.readLock();
            try {
                int slot = table.find(key);
                if (slot >= 0) {
                    TIME.setOpaque(table.lastPoll, slot, now);
                }
            }
            finally {
                lock.unlockRead(stamp);
            }
        }

        /** Adds the query and counts it in flight, unless it is here already. */
        boolean add(Key key, LongAdder counter, Runnable onEnd, long now)
        {
            long stamp = lock.writeLock();
            try {
                if (table.find(key) >= 0) {
                    return false;
                }
                if (table.full()) {
                    table = table.grown();
                }
                table.add(key, counter, onEnd == null ? NONE : onEnd, now);
                counter.increment();
                return true;
            }
            finally {
                lock.unlockWrite(stamp);
            }
        }

        /** Removes the query and counts it out; returns its end callback, or null if it was not here. */
        Runnable remove(Key key)
        {
            long stamp = lock.writeLock();
            try {
                int slot = table.find(key);
                return slot < 0 ? null : table.remove(slot);
            }
            finally {
                lock.unlockWrite(stamp);
            }
        }

        void sampleAges(AgeSample sample)
        {
            long stamp = lock.readLock();
            try {
                Table current = table;
                for (int slot = 0; slot < current.used && !sample.full(); slot++) {
                    if (current.counter[slot] != null) {
                        sample.offer((long) TIME.getOpaque(current.lastPoll, slot));
                    }
                }
            }
            finally {
                lock.unlockRead(stamp);
            }
        }

        /** Removes at most {@code limit} queries last polled at or before {@code cutoff}; their callbacks go to {@code ends}. */
        long removeIdle(long cutoff, long limit, List<Runnable> ends)
        {
            long stamp = lock.writeLock();
            try {
                Table current = table;
                long removed = 0;
                for (int slot = 0; slot < current.used && removed < limit; slot++) {
                    if (current.counter[slot] != null && (long) TIME.getOpaque(current.lastPoll, slot) - cutoff <= 0) {
                        ends.add(current.remove(slot));
                        removed++;
                    }
                }
                return removed;
            }
            finally {
                lock.unlockWrite(stamp);
            }
        }
    }

    /** Columns of slots and a {@link SlotIndex} over them. A live slot has a counter; freed slots are reused before new ones. */
    private static final class Table
    {
        final long[] high;
        final int[] low;
        final String[] unpacked;
        final long[] lastPoll;
        final LongAdder[] counter;
        final Runnable[] onEnd;
        final long[] index;
        final int[] free;
        int freeCount;
        /** Slots ever handed out: [0, used) are live or free. */
        int used;

        Table(int slots)
        {
            high = new long[slots];
            low = new int[slots];
            unpacked = new String[slots];
            lastPoll = new long[slots];
            counter = new LongAdder[slots];
            onEnd = new Runnable[slots];
            index = new long[2 * slots];
            free = new int[slots];
        }

        boolean full()
        {
            return freeCount == 0 && used == high.length;
        }

        Table grown()
        {
            Table grown = new Table(2 * high.length);
            System.arraycopy(high, 0, grown.high, 0, used);
            System.arraycopy(low, 0, grown.low, 0, used);
            System.arraycopy(unpacked, 0, grown.unpacked, 0, used);
            System.arraycopy(lastPoll, 0, grown.lastPoll, 0, used);
            System.arraycopy(counter, 0, grown.counter, 0, used);
            System.arraycopy(onEnd, 0, grown.onEnd, 0, used);
            System.arraycopy(free, 0, grown.free, 0, freeCount);
            grown.freeCount = freeCount;
            grown.used = used;
            for (int slot = 0; slot < used; slot++) {
                if (counter[slot] != null) {
                    SlotIndex.insert(grown.index, QueryIdPacking.hash(high[slot], low[slot]), slot);
                }
            }
            return grown;
        }

        /** The query's slot, or -1. Safe to call under an optimistic read: bounded, and never indexes out of range. */
        int find(Key key)
        {
            long[] index = this.index;
            int mask = index.length - 1;
            int position = key.hash & mask;
            for (int probes = 0; probes <= mask; probes++, position = (position + 1) & mask) {
                long entry = index[position];
                if (entry == 0) {
                    return -1;
                }
                int slot = SlotIndex.slotIn(entry);
                if (SlotIndex.hashOf(entry) == key.hash && slot >= 0 && slot < high.length
                        && high[slot] == key.high && low[slot] == key.low && (key.low != QueryIdPacking.UNPACKED || key.id.equals(unpacked[slot]))) {
                    return slot;
                }
            }
            return -1;
        }

        void add(Key key, LongAdder counter, Runnable onEnd, long now)
        {
            int slot = freeCount > 0 ? free[--freeCount] : used++;
            high[slot] = key.high;
            low[slot] = key.low;
            unpacked[slot] = key.low == QueryIdPacking.UNPACKED ? key.id : null;
            TIME.setOpaque(lastPoll, slot, now);
            this.onEnd[slot] = onEnd;
            this.counter[slot] = counter;
            SlotIndex.insert(index, key.hash, slot);
        }

        /** Frees the slot, counts its query out of flight and returns its end callback. */
        Runnable remove(int slot)
        {
            SlotIndex.remove(index, QueryIdPacking.hash(high[slot], low[slot]), slot);
            Runnable end = onEnd[slot];
            counter[slot].decrement();
            counter[slot] = null;
            onEnd[slot] = null;
            unpacked[slot] = null;
            free[freeCount++] = slot;
            return end;
        }
    }
}
