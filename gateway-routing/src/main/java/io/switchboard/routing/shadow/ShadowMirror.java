package io.switchboard.routing.shadow;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.QueryId;
import io.switchboard.core.ReadOnlyStatement;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.StatementKind;
import io.switchboard.core.TransactionId;
import io.switchboard.core.protocol.HeaderFamily;
import io.switchboard.core.protocol.PreparedStatementHeader;
import io.switchboard.core.protocol.ResultDigest;
import io.switchboard.core.protocol.StatementSummary;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.shadow.SideResult.Outcome;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mirrors sampled read-only statements to their routing group's shadow cluster and compares each with its primary.
 *
 * <p>The proxy offers a statement once its primary cluster named the query; the shadow query then runs in the
 * background through the {@link ShadowClient}. As the primary's pages pass through the proxy, their rows are counted
 * and hashed; when both sides have ended, the two are compared and the comparison goes to the report and the
 * listener. Work is bounded: at most {@link ShadowLimits#maxConcurrentQueries()} comparisons in progress and
 * {@link ShadowLimits#maxBytes()} of held statements; over either, and for a shadow cluster that is not healthy, the
 * sample is dropped and counted. The client's query never waits for, and never sees, any of it.
 */
public final class ShadowMirror
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(ShadowMirror.class);
    private static final Duration SWEEP_INTERVAL = Duration.ofSeconds(1);

    /** What became of an offered statement. */
    public enum Decision
    {
        MIRRORED(null),
        /** Not a statement kind the group mirrors: writes never are. */
        SKIPPED_STATEMENT("statement"),
        /** Part of a transaction, which lives on the primary cluster only. */
        SKIPPED_TRANSACTION("transaction"),
        DROPPED_UNHEALTHY("unhealthy"),
        DROPPED_CONCURRENCY("concurrency"),
        DROPPED_BYTES("bytes");

        private final String reason;

        Decision(String reason)
        {
            this.reason = reason;
        }

        /** The metric label: why the statement was skipped or dropped. */
        public String reason()
        {
            return reason;
        }

        public boolean dropped()
        {
            return name().startsWith("DROPPED");
        }
    }

    /** Told of everything the mirror does, for metrics. Called on any thread; must not block. */
    public interface Listener
    {
        Listener NONE = new Listener() {};

        default void mirrored(String group, String shadowCluster) {}

        default void skipped(String group, String reason) {}

        default void dropped(String group, String reason) {}

        default void compared(Comparison comparison) {}
    }

    /** Watches one page of a mirrored primary query as it passes through the proxy. */
    public final class PrimaryPage
    {
        private final Mirrored query;
        private final long token;
        private final ResultDigest digest = new ResultDigest();

        private PrimaryPage(Mirrored query, long token)
        {
            this.query = query;
            this.token = token;
        }

        /** Fed every token of the page. */
        public ResultDigest rows()
        {
            return digest;
        }

        /** The page passed through whole; its summary says whether the query ended. */
        public void completed(StatementSummary summary)
        {
            query.page(token, digest, summary, true);
        }

        /** The page passed through, but its rows could not be counted: the primary's rows are then not compared. */
        public void completedUncounted(StatementSummary summary)
        {
            query.page(token, digest, summary, false);
        }
    }

    private final ClusterRegistry registry;
    private final ShadowClient client;
    private final ShadowLimits limits;
    private final AtomicReference<Map<RoutingGroup, ShadowGroup>> groups;
    private final Listener listener;
    private final Clock clock;
    private final RandomGenerator random;
    private final ShadowReport report;
    private final Map<QueryId, Mirrored> inFlight = new ConcurrentHashMap<>();
    private final AtomicInteger active = new AtomicInteger();
    private final AtomicLong heldBytes = new AtomicLong();
    private ScheduledFuture<?> sweep;

    public ShadowMirror(ClusterRegistry registry, ShadowClient client, ShadowLimits limits, Map<RoutingGroup, ShadowGroup> groups, Listener listener, Clock clock,
            RandomGenerator random)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.client = requireNonNull(client, "client is null");
        this.limits = requireNonNull(limits, "limits is null");
        this.groups = new AtomicReference<>(Map.copyOf(groups));
        this.listener = requireNonNull(listener, "listener is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.random = requireNonNull(random, "random is null");
        this.report = new ShadowReport(limits.reportSize());
    }

    /** Ends comparisons that ran out of time, every second on the given scheduler. */
    public void start(ScheduledExecutorService scheduler)
    {
        sweep = scheduler.scheduleWithFixedDelay(this::expire, SWEEP_INTERVAL.toMillis(), SWEEP_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Swaps the groups' shadow settings, with the routing groups on a configuration reload. */
    public void reconfigure(Map<RoutingGroup, ShadowGroup> newGroups)
    {
        groups.set(Map.copyOf(newGroups));
    }

    /** The group's shadow settings, if it mirrors to a shadow cluster. */
    public Optional<ShadowGroup> group(RoutingGroup group)
    {
        Map<RoutingGroup, ShadowGroup> current = groups.get();
        return current.isEmpty() ? Optional.empty() : Optional.ofNullable(current.get(group));
    }

    /** Draws whether one statement of the group is sampled. */
    public boolean sampled(ShadowGroup group)
    {
        return group.samplePercent() >= 100 || (group.samplePercent() > 0 && random.nextDouble() * 100 < group.samplePercent());
    }

    /**
     * Mirrors a sampled statement if it may be mirrored and the limits allow, and says what became of it.
     *
     * @param headers the client's request headers, hop-by-hop ones left out
     */
    public Decision offer(ShadowGroup group, QueryId primaryQuery, ClusterId primaryCluster, String sql, List<ShadowRequest.Header> headers)
    {
        Decision decision = decide(group, primaryQuery, primaryCluster, sql, headers);
        if (decision == Decision.MIRRORED) {
            return decision;
        }
        if (decision.dropped()) {
            report.dropped(decision.reason());
            listener.dropped(group.group().name(), decision.reason());
        }
        else {
            report.skipped(decision.reason());
            listener.skipped(group.group().name(), decision.reason());
        }
        return decision;
    }

    private Decision decide(ShadowGroup group, QueryId primaryQuery, ClusterId primaryCluster, String sql, List<ShadowRequest.Header> headers)
    {
        List<String> prepared = new ArrayList<>();
        Optional<String> user = Optional.empty();
        for (ShadowRequest.Header header : headers) {
            for (HeaderFamily family : HeaderFamily.values()) {
                if (header.name().equalsIgnoreCase(family.transactionId()) && !TransactionId.isNone(header.value())) {
                    return Decision.SKIPPED_TRANSACTION;
                }
                if (header.name().equalsIgnoreCase(family.prefix() + "Prepared-Statement")) {
                    prepared.add(header.value());
                }
                if (header.name().equalsIgnoreCase(family.user()) && user.isEmpty()) {
                    user = Optional.of(header.value());
                }
            }
        }
        Map<String, String> statements = prepared.isEmpty() ? Map.of() : PreparedStatementHeader.parse(prepared);
        Optional<ReadOnlyStatement> kind = StatementKind.readOnlyStatement(sql, name -> PreparedStatementHeader.find(statements, name));
        if (kind.isEmpty() || !group.statements().contains(kind.get())) {
            return Decision.SKIPPED_STATEMENT;
        }
        Optional<ClusterStatus> shadow = registry.snapshot().find(group.cluster());
        if (shadow.isEmpty() || !shadow.get().routable() || !shadow.get().adminState().takesNewQueries()) {
            return Decision.DROPPED_UNHEALTHY;
        }
        if (active.incrementAndGet() > limits.maxConcurrentQueries()) {
            active.decrementAndGet();
            return Decision.DROPPED_CONCURRENCY;
        }
        ShadowRequest request = new ShadowRequest(primaryQuery, primaryCluster, group.group(), kind.get(), sql, headers, user);
        long bytes = request.bytes();
        if (heldBytes.addAndGet(bytes) > limits.maxBytes()) {
            heldBytes.addAndGet(-bytes);
            active.decrementAndGet();
            return Decision.DROPPED_BYTES;
        }
        Mirrored mirrored = new Mirrored(request, bytes, shadow.get().id().value());
        if (inFlight.putIfAbsent(primaryQuery, mirrored) != null) {
            // the same query offered twice (a replayed answer): it is mirrored once
            heldBytes.addAndGet(-bytes);
            active.decrementAndGet();
            return Decision.MIRRORED;
        }
        report.mirrored();
        listener.mirrored(group.group().name(), group.cluster().value());
        mirrored.start(client.start(shadow.get().cluster(), request));
        return Decision.MIRRORED;
    }

    /** Whether any mirrored query is in progress: when none is, the proxy need not look at its pages at all. */
    public boolean tracking()
    {
        return !inFlight.isEmpty();
    }

    /**
     * A watcher for a page of a mirrored primary query, or null when the query is not mirrored.
     *
     * @param token the page's token in its {@code nextUri}, which grows by one per page; -1 when it has none. A page
     *     fetched again (a client retry) is counted once.
     */
    public PrimaryPage page(QueryId primaryQuery, long token)
    {
        Mirrored mirrored = inFlight.get(primaryQuery);
        return mirrored == null ? null : new PrimaryPage(mirrored, token);
    }

    /** The primary query ended without a final statement response: the client cancelled it, or the gateway failed it. */
    public void primaryEnded(QueryId primaryQuery, StatementSummary summary)
    {
        Mirrored mirrored = inFlight.get(primaryQuery);
        if (mirrored != null) {
            mirrored.primaryEnded(summary);
        }
    }

    public ShadowReport.Snapshot report(int limit)
    {
        return report.snapshot(limit, inFlight.size());
    }

    /** Comparisons in progress. */
    public int active()
    {
        return active.get();
    }

    /** Bytes of statements held for running shadow queries. */
    public long heldBytes()
    {
        return heldBytes.get();
    }

    private void expire()
    {
        long now = System.nanoTime();
        for (Mirrored mirrored : inFlight.values()) {
            if (now - mirrored.startNanos > limits.maxDuration().toNanos()) {
                mirrored.expire();
            }
        }
    }

    @Override
    public void close()
    {
        if (sweep != null) {
            sweep.cancel(false);
        }
        for (Mirrored mirrored : inFlight.values()) {
            mirrored.stopShadow(Outcome.CANCELLED, "the gateway is stopping");
        }
    }

    /** One comparison in progress: the primary's rows so far, and each side's result once it ended. */
    private final class Mirrored
    {
        private final ShadowRequest request;
        private final long bytes;
        private final String shadowCluster;
        private final long startNanos = System.nanoTime();
        private final ResultDigest primaryRows = new ResultDigest();
        private long lastToken = -1;
        private boolean rowsUncounted;
        private ShadowClient.Run run;
        private Outcome stopBeforeStart;
        private SideResult primary;
        private SideResult shadow;
        private boolean bytesReleased;
        private boolean finished;

        Mirrored(ShadowRequest request, long bytes, String shadowCluster)
        {
            this.request = request;
            this.bytes = bytes;
            this.shadowCluster = shadowCluster;
        }

        void start(ShadowClient.Run started)
        {
            Outcome stop;
            synchronized (this) {
                run = started;
                stop = stopBeforeStart;
            }
            if (stop != null) {
                started.stop(stop, "the primary ended before its shadow started");
            }
            started.result().whenComplete((result, failure) -> shadowEnded(failure == null
                    ? result
                    : new SideResult(shadowCluster, null, Outcome.ERROR, null, String.valueOf(failure), false, 0, 0, elapsedMillis())));
        }

        synchronized void page(long token, ResultDigest rows, StatementSummary summary, boolean counted)
        {
            if (token < 0 || token > lastToken) {
                primaryRows.add(rows);
                rowsUncounted |= !counted;
                lastToken = Math.max(lastToken, token);
            }
            if (summary.terminal()) {
                primaryEnded(summary);
            }
        }

        void primaryEnded(StatementSummary summary)
        {
            boolean cancelled;
            synchronized (this) {
                if (primary != null) {
                    return;
                }
                Outcome outcome = "FINISHED".equals(summary.state()) ? Outcome.FINISHED
                        : "USER_CANCELED".equals(summary.errorName()) ? Outcome.CANCELLED
                        : Outcome.FAILED;
                long elapsed = summary.elapsedMillis() >= 0 ? summary.elapsedMillis() : elapsedMillis();
                primary = new SideResult(request.primaryCluster().value(), request.primaryQuery().value(), outcome, summary.errorName(), summary.errorMessage(),
                        outcome == Outcome.FINISHED && !primaryRows.spooled() && !rowsUncounted, primaryRows.rows(), primaryRows.checksum(), elapsed);
                cancelled = outcome == Outcome.CANCELLED && shadow == null;
            }
            if (cancelled) {
                stopShadow(Outcome.CANCELLED, "the client cancelled the primary query");
            }
            finishIfBothEnded();
        }

        void shadowEnded(SideResult result)
        {
            synchronized (this) {
                if (shadow != null) {
                    return;
                }
                shadow = result;
                if (!bytesReleased) {
                    bytesReleased = true;
                    heldBytes.addAndGet(-bytes);
                }
            }
            finishIfBothEnded();
        }

        void stopShadow(Outcome outcome, String message)
        {
            ShadowClient.Run current;
            synchronized (this) {
                current = run;
                if (current == null) {
                    stopBeforeStart = outcome;
                    return;
                }
            }
            current.stop(outcome, message);
        }

        void expire()
        {
            stopShadow(Outcome.TIMEOUT, "the comparison took longer than " + limits.maxDuration().toSeconds() + " s");
            synchronized (this) {
                if (primary == null) {
                    primary = new SideResult(request.primaryCluster().value(), request.primaryQuery().value(), Outcome.TIMEOUT, null,
                            "still running after " + limits.maxDuration().toSeconds() + " s", false, primaryRows.rows(), primaryRows.checksum(), elapsedMillis());
                }
            }
            finishIfBothEnded();
        }

        private void finishIfBothEnded()
        {
            Comparison comparison;
            synchronized (this) {
                if (finished || primary == null || shadow == null) {
                    return;
                }
                finished = true;
                comparison = ShadowComparator.compare(request, primary, shadow, clock.instant());
            }
            inFlight.remove(request.primaryQuery(), this);
            active.decrementAndGet();
            report.add(comparison);
            listener.compared(comparison);
            if (comparison.verdict() == Comparison.Verdict.MISMATCH) {
                log.info("event=shadow_mismatch group={} primary_cluster={} primary_query={} shadow_cluster={} shadow_query={} differences={} primary_outcome={} shadow_outcome={} primary_rows={} shadow_rows={}",
                        comparison.group(), primary.cluster(), primary.queryId(), shadow.cluster(), shadow.queryId(), comparison.differences(),
                        primary.outcome().label(), shadow.outcome().label(), primary.rows(), shadow.rows());
            }
            else {
                log.debug("event=shadow_compared group={} primary_query={} shadow_query={} verdict={}", comparison.group(), primary.queryId(), shadow.queryId(),
                        comparison.verdict().label());
            }
        }

        private long elapsedMillis()
        {
            return Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
        }
    }

    @Override
    public String toString()
    {
        return "ShadowMirror{groups=" + groups.get().keySet() + ", inFlight=" + inFlight.size() + "}";
    }
}
