package io.switchboard.routing.admission;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.QueryId;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.protocol.GatewayErrorType;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Queries held at the gateway until they may run, admitted in fair order: round robin across users, first come first
 * served within a user. Bounded in length (in all and per user) and in wait; a query whose client stops polling is
 * dropped.
 *
 * <p>The queue decides nothing about capacity itself: {@link Admission} says whether the query at the head of a
 * user's line may run now. Thread-safe; every method takes the queue's lock, and waiters are only signalled, so
 * nothing slow runs under it.
 *
 * @param <T> what the gateway holds for a queued query (the request to send once admitted), owned by the queue until
 *     {@link #claim} hands it back or {@link Listener#discarded} is told it is dropped
 */
public final class GatewayQueue<T>
{
    /**
     * @param maxQueued queries waiting at once; past it new ones fail with {@code QUERY_QUEUE_FULL}
     * @param maxQueuedPerUser queries of one user waiting at once
     * @param maxWait a query that waited this long fails with {@code EXCEEDED_GATEWAY_QUEUE_TIME}
     * @param abandonAfter a query whose client has not polled for this long is dropped
     */
    public record Settings(int maxQueued, int maxQueuedPerUser, Duration maxWait, Duration abandonAfter)
    {
        public Settings
        {
            requireNonNull(maxWait, "maxWait is null");
            requireNonNull(abandonAfter, "abandonAfter is null");
        }
    }

    /** Whether the query at the head of its user's line may run now; called under the queue's lock, must not block. */
    @FunctionalInterface
    public interface Admission<T>
    {
        Verdict tryAdmit(Entry<T> entry);
    }

    public sealed interface Verdict permits Admit, Wait, Fail {}

    /** @param ticket what the admission granted (a cluster and a permit), handed to whoever claims the query */
    public record Admit(Object ticket)
            implements Verdict
    {
        public Admit
        {
            requireNonNull(ticket, "ticket is null");
        }
    }

    public record Wait(String reason)
            implements Verdict
    {
        public Wait
        {
            requireNonNull(reason, "reason is null");
        }
    }

    public record Fail(GatewayError error)
            implements Verdict
    {
        public Fail
        {
            requireNonNull(error, "error is null");
        }
    }

    /** Told about every query that leaves the queue other than by {@link #claim}. */
    public interface Listener<T>
    {
        /**
         * The query is gone: its payload must be released, and an unclaimed ticket given back.
         *
         * @param unclaimedTicket the ticket of a query admitted but never claimed
         * @param waited how long the query was in the queue
         * @param why {@code abandoned}, {@code cancelled}, {@code timeout} or {@code failed}
         */
        void discarded(Entry<T> entry, Optional<Object> unclaimedTicket, Duration waited, String why);
    }

    public enum State
    {
        WAITING, ADMITTED, FAILED
    }

    /** One queued query. */
    public static final class Entry<T>
    {
        private final QueryId id;
        private final String slug;
        private final String user;
        private final T payload;
        private final Instant enqueued;
        private Instant lastSeen;
        private State state = State.WAITING;
        private Object ticket;
        private GatewayError error;
        private String waitReason = "";
        private Runnable waiter;

        private Entry(QueryId id, String slug, String user, T payload, Instant enqueued)
        {
            this.id = id;
            this.slug = slug;
            this.user = user;
            this.payload = payload;
            this.enqueued = enqueued;
            this.lastSeen = enqueued;
        }

        public QueryId id()
        {
            return id;
        }

        public String slug()
        {
            return slug;
        }

        public String user()
        {
            return user;
        }

        public T payload()
        {
            return payload;
        }

        public Instant enqueued()
        {
            return enqueued;
        }
    }

    /** A snapshot of one entry, for clients and operators. */
    public record View(QueryId id, String user, State state, Instant enqueued, String waitReason, Optional<GatewayError> error)
    {
    }

    /** The result of {@link #offer}. */
    public sealed interface Offer<T> permits Queued, Full {}

    public record Queued<T>(Entry<T> entry)
            implements Offer<T> {}

    public record Full<T>(GatewayError error)
            implements Offer<T> {}

    /** A claimed admitted query: the caller now owns payload and ticket. */
    public record Claim<T>(T payload, Object ticket, Duration waited) {}

    private final Settings settings;
    private final Admission<T> admission;
    private final Listener<T> listener;
    private final Clock clock;
    private final Map<QueryId, Entry<T>> entries = new HashMap<>();
    private final Map<String, ArrayDeque<Entry<T>>> lines = new HashMap<>();
    /** Users with waiting queries, in the order they are served next. */
    private final ArrayDeque<String> ring = new ArrayDeque<>();
    private int waiting;

    public GatewayQueue(Settings settings, Admission<T> admission, Listener<T> listener, Clock clock)
    {
        this.settings = requireNonNull(settings, "settings is null");
        this.admission = requireNonNull(admission, "admission is null");
        this.listener = requireNonNull(listener, "listener is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public Settings settings()
    {
        return settings;
    }

    /** Queues a query behind its user's earlier ones; the caller keeps the payload when the queue is full. */
    public synchronized Offer<T> offer(QueryId id, String slug, String user, T payload)
    {
        requireNonNull(id, "id is null");
        requireNonNull(slug, "slug is null");
        requireNonNull(user, "user is null");
        if (waiting >= settings.maxQueued()) {
            return new Full<>(new GatewayError(GatewayErrorType.QUEUE_FULL,
                    "The gateway's queue is full: " + waiting + " queries wait (routing.queue.max-queued is " + settings.maxQueued() + ")"));
        }
        ArrayDeque<Entry<T>> line = lines.get(user);
        if (line != null && line.size() >= settings.maxQueuedPerUser()) {
            return new Full<>(new GatewayError(GatewayErrorType.QUEUE_FULL,
                    "User '" + user + "' already has " + line.size() + " queries waiting at the gateway (routing.queue.max-queued-per-user is "
                            + settings.maxQueuedPerUser() + ")"));
        }
        Entry<T> entry = new Entry<>(id, slug, user, payload, clock.instant());
        entries.put(id, entry);
        if (line == null) {
            line = new ArrayDeque<>();
            lines.put(user, line);
            ring.addLast(user);
        }
        line.addLast(entry);
        waiting++;
        return new Queued<>(entry);
    }

    /**
     * Admits waiting queries while the admission lets them run: each round takes the head of the next user's line, so
     * a user with many queries waiting gets no more turns than one with a single query.
     *
     * @return how many queries were admitted or failed
     */
    public synchronized int dispatch()
    {
        int decided = 0;
        int misses = 0;
        while (!ring.isEmpty() && misses < ring.size()) {
            String user = ring.pollFirst();
            ArrayDeque<Entry<T>> line = lines.get(user);
            Entry<T> head = line.peekFirst();
            Verdict verdict = admission.tryAdmit(head);
            if (verdict instanceof Wait wait) {
                head.waitReason = wait.reason();
                misses++;
            }
            else {
                line.pollFirst();
                waiting--;
                if (verdict instanceof Admit admit) {
                    head.state = State.ADMITTED;
                    head.ticket = admit.ticket();
                }
                else {
                    head.state = State.FAILED;
                    head.error = ((Fail) verdict).error();
                }
                decided++;
                misses = 0;
                signal(head);
            }
            if (line.isEmpty()) {
                lines.remove(user);
            }
            else {
                ring.addLast(user);
            }
        }
        return decided;
    }

    /** Fails queries that waited too long and drops those whose client stopped polling. */
    public synchronized void expire()
    {
        Instant now = clock.instant();
        List<Entry<T>> dropped = new ArrayList<>();
        for (Iterator<Entry<T>> iterator = entries.values().iterator(); iterator.hasNext(); ) {
            Entry<T> entry = iterator.next();
            if (Duration.between(entry.lastSeen, now).compareTo(settings.abandonAfter()) > 0) {
                iterator.remove();
                removeFromLine(entry);
                dropped.add(entry);
            }
            else if (entry.state == State.WAITING && Duration.between(entry.enqueued, now).compareTo(settings.maxWait()) >= 0) {
                removeFromLine(entry);
                entry.state = State.FAILED;
                entry.error = new GatewayError(GatewayErrorType.QUEUE_TIMEOUT, "The query waited " + settings.maxWait().toSeconds()
                        + "s at the gateway without being admitted (routing.queue.max-wait); last reason: " + entry.waitReason);
                signal(entry);
            }
        }
        for (Entry<T> entry : dropped) {
            listener.discarded(entry, Optional.ofNullable(entry.ticket), Duration.between(entry.enqueued, now), "abandoned");
        }
    }

    /** The query with this id and slug, marking its client as alive; empty when unknown or the slug is wrong. */
    public synchronized Optional<Entry<T>> find(QueryId id, String slug)
    {
        Entry<T> entry = entries.get(id);
        if (entry == null || !MessageDigest.isEqual(entry.slug.getBytes(StandardCharsets.UTF_8), slug.getBytes(StandardCharsets.UTF_8))) {
            return Optional.empty();
        }
        entry.lastSeen = clock.instant();
        return Optional.of(entry);
    }

    public synchronized State state(Entry<T> entry)
    {
        return entry.state;
    }

    public synchronized View view(Entry<T> entry)
    {
        return new View(entry.id, entry.user, entry.state, entry.enqueued, entry.waitReason, Optional.ofNullable(entry.error));
    }

    /**
     * Calls {@code waiter} once, when the waiting query is admitted or failed; returns false, registering nothing, when
     * it no longer waits. A later registration replaces an earlier one.
     */
    public synchronized boolean onChange(Entry<T> entry, Runnable waiter)
    {
        if (entry.state != State.WAITING || !entries.containsKey(entry.id)) {
            return false;
        }
        entry.waiter = waiter;
        return true;
    }

    /** Forgets a waiter registered by {@link #onChange}, whose client went away. */
    public synchronized void forget(Entry<T> entry, Runnable waiter)
    {
        if (entry.waiter == waiter) {
            entry.waiter = null;
        }
    }

    /** Takes an admitted query out of the queue; its payload and ticket now belong to the caller. */
    public synchronized Optional<Claim<T>> claim(Entry<T> entry)
    {
        if (entry.state != State.ADMITTED || entries.remove(entry.id) == null) {
            return Optional.empty();
        }
        return Optional.of(new Claim<>(entry.payload, entry.ticket, Duration.between(entry.enqueued, clock.instant())));
    }

    /** Takes a failed query out of the queue, with the error its client is told. */
    public Optional<GatewayError> takeFailure(Entry<T> entry)
    {
        GatewayError error;
        synchronized (this) {
            if (entry.state != State.FAILED || entries.remove(entry.id) == null) {
                return Optional.empty();
            }
            error = entry.error;
        }
        listener.discarded(entry, Optional.empty(), Duration.between(entry.enqueued, clock.instant()), error.type() == GatewayErrorType.QUEUE_TIMEOUT ? "timeout" : "failed");
        return Optional.of(error);
    }

    /** The client cancelled the query: it leaves the queue. */
    public boolean cancel(Entry<T> entry)
    {
        synchronized (this) {
            if (entries.remove(entry.id) == null) {
                return false;
            }
            removeFromLine(entry);
        }
        listener.discarded(entry, Optional.ofNullable(entry.ticket), Duration.between(entry.enqueued, clock.instant()), "cancelled");
        return true;
    }

    /** Drops every query, as when the gateway stops. */
    public synchronized void clear()
    {
        Instant now = clock.instant();
        List<Entry<T>> all = new ArrayList<>(entries.values());
        entries.clear();
        lines.clear();
        ring.clear();
        waiting = 0;
        for (Entry<T> entry : all) {
            listener.discarded(entry, Optional.ofNullable(entry.ticket), Duration.between(entry.enqueued, now), "abandoned");
        }
    }

    public synchronized int waiting()
    {
        return waiting;
    }

    /** Queries held in any state: waiting, or admitted or failed and not yet told to their client. */
    public synchronized int size()
    {
        return entries.size();
    }

    public synchronized List<View> views()
    {
        List<View> views = new ArrayList<>(entries.size());
        for (Entry<T> entry : entries.values()) {
            views.add(view(entry));
        }
        return views;
    }

    private void removeFromLine(Entry<T> entry)
    {
        if (entry.state != State.WAITING) {
            return;
        }
        ArrayDeque<Entry<T>> line = lines.get(entry.user);
        if (line != null && line.remove(entry)) {
            waiting--;
            if (line.isEmpty()) {
                lines.remove(entry.user);
                ring.remove(entry.user);
            }
        }
    }

    private static void signal(Entry<?> entry)
    {
        Runnable waiter = entry.waiter;
        entry.waiter = null;
        if (waiter != null) {
            waiter.run();
        }
    }
}
