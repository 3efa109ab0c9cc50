package io.switchboard.server.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.LoadTracker;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToDoubleFunction;

/**
 * The gateway's metrics, named {@code switchboard_*} in base units. Query outcomes per cluster, routing group, user
 * and source give the success rate operators chart; the user and source labels can be switched off where their
 * cardinality is too high.
 */
public final class GatewayMetrics
{
    /** Outcome label value of queries the gateway itself refused. */
    public static final String REJECTED = "rejected";

    private final MeterRegistry registry;
    private final ClusterRegistry clusters;
    private final LoadTracker loadTracker;
    private final boolean userLabels;
    private final AtomicInteger openConnections = new AtomicInteger();
    private final Timer upstreamOverhead;
    private final Timer downstreamOverhead;
    private final Counter requestBytes;
    private final Counter responseBytes;
    private final Counter affinityMisses;
    /** Meters of the per-query path by their labels: building and registering a meter per query costs more than counting. */
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();
    private final Map<ClusterId, ClusterGauges> clusterGauges = new java.util.HashMap<>();
    private final Map<List<String>, Timer> durations = new ConcurrentHashMap<>();

    public GatewayMetrics(MeterRegistry registry, ClusterRegistry clusters, LoadTracker loadTracker, boolean userLabels)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.clusters = requireNonNull(clusters, "clusters is null");
        this.loadTracker = requireNonNull(loadTracker, "loadTracker is null");
        this.userLabels = userLabels;
        this.upstreamOverhead = overheadTimer("upstream");
        this.downstreamOverhead = overheadTimer("downstream");
        this.requestBytes = Counter.builder("switchboard.proxy.bytes").baseUnit("bytes").tag("direction", "request").description("Body bytes proxied").register(registry);
        this.responseBytes = Counter.builder("switchboard.proxy.bytes").baseUnit("bytes").tag("direction", "response").description("Body bytes proxied").register(registry);
        this.affinityMisses = Counter.builder("switchboard.affinity.misses").description("Requests naming only a query id that the query map had forgotten").register(registry);
        Gauge.builder("switchboard.proxy.open.connections", openConnections, AtomicInteger::get).description("Client connections open").register(registry);
        registerClusterGauges();
    }

    private Timer overheadTimer(String direction)
    {
        return Timer.builder("switchboard.proxy.overhead")
                .description("Time the gateway adds: from receiving a request to its first byte sent to the cluster (upstream), and from the cluster's first response byte to the first byte sent to the client (downstream)")
                .tag("direction", direction)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(2))
                .register(registry);
    }

    /**
     * Gives every known cluster its gauges; call again after clusters change. A cluster that already has them (with
     * the same routing group) keeps them, and a cluster that left the registry loses them, rather than being reported
     * as NaN for as long as the gateway runs.
     */
    public synchronized void registerClusterGauges()
    {
        Map<ClusterId, ClusterGauges> current = new java.util.HashMap<>();
        for (ClusterStatus status : clusters.snapshot().clusters()) {
            ClusterId id = status.id();
            String group = status.cluster().routingGroup().name();
            ClusterGauges existing = clusterGauges.remove(id);
            if (existing != null && existing.group().equals(group)) {
                current.put(id, existing);
                continue;
            }
            if (existing != null) {
                existing.removeFrom(registry);
            }
            current.put(id, registerClusterGauges(id, group));
        }
        // what is left belongs to clusters no longer known
        clusterGauges.values().forEach(gauges -> gauges.removeFrom(registry));
        clusterGauges.clear();
        clusterGauges.putAll(current);
    }

    private ClusterGauges registerClusterGauges(ClusterId id, String group)
    {
        Tags tags = Tags.of("cluster", id.value(), "group", group);
        List<Meter> meters = new java.util.ArrayList<>();
        meters.add(clusterGauge("switchboard.cluster.healthy", "1 when the active health check finds the cluster healthy", tags, id, current -> current.routable() ? 1 : 0));
        meters.add(clusterGauge("switchboard.cluster.queued.queries", "Queued queries as the cluster last reported", tags, id, current -> current.load().queued()));
        meters.add(clusterGauge("switchboard.cluster.running.queries", "Running queries as the cluster last reported", tags, id, current -> current.load().running()));
        meters.add(clusterGauge("switchboard.cluster.ejected", "1 while outlier detection keeps the cluster out of routing", tags, id,
                current -> current.ejectedAt(java.time.Instant.now()) ? 1 : 0));
        for (AdminState state : AdminState.values()) {
            meters.add(clusterGauge("switchboard.cluster.admin.state", "1 for the cluster's current admin state", tags.and("state", state.name()), id,
                    current -> current.adminState() == state ? 1 : 0));
        }
        meters.add(Gauge.builder("switchboard.cluster.inflight.queries", loadTracker, tracker -> tracker.inFlight(id))
                .description("Queries in flight on the cluster through this gateway")
                .tags(tags)
                .register(registry));
        return new ClusterGauges(group, List.copyOf(meters));
    }

    /** The gauges of one cluster, tagged with its routing group. */
    private record ClusterGauges(String group, List<Meter> meters)
    {
        void removeFrom(MeterRegistry registry)
        {
            meters.forEach(registry::remove);
        }
    }

    /**
     * Whether a source of clusters or admin states ({@code discovery}, {@code state-store}) answers, and how old its
     * last answer is: while it does not answer, the gateway routes on that last answer.
     */
    public void registerSourceGauges(String source, java.util.function.Supplier<io.switchboard.core.spi.SourceStatus> status)
    {
        Tags tags = Tags.of("source", source, "kind", status.get().kind());
        Gauge.builder("switchboard.source.reachable", status, current -> current.get().reachable() ? 1 : 0)
                .description("1 while the source of clusters or admin states answers; 0 while the gateway runs on its last answer")
                .tags(tags)
                // the supplier is often a method reference no one else holds: a weak reference would lose it to the GC
                .strongReference(true)
                .register(registry);
        Gauge.builder("switchboard.source.last.contact.age", status, current -> current.get().lastContact()
                        .map(contact -> Duration.between(contact, java.time.Instant.now()).toMillis() / 1000.0)
                        .orElse(Double.NaN))
                .description("Seconds since the source last answered")
                .baseUnit("seconds")
                .tags(tags)
                .strongReference(true)
                .register(registry);
    }

    private Gauge clusterGauge(String name, String description, Tags tags, ClusterId id, ToDoubleFunction<ClusterStatus> value)
    {
        return Gauge.builder(name, clusters, registry -> registry.snapshot().find(id).map(value::applyAsDouble).orElse(Double.NaN))
                .description(description)
                .tags(tags)
                .register(registry);
    }

    public void querySubmitted(String cluster, String group)
    {
        counters.computeIfAbsent(List.of("submitted", cluster, group), key -> Counter.builder("switchboard.queries.submitted")
                        .description("Queries a cluster accepted through the gateway")
                        .tags("cluster", cluster, "group", group)
                        .register(registry))
                .increment();
    }

    /**
     * A query ended: by its final state as the cluster reported it, or by the gateway's own error.
     *
     * @param elapsedMillis the query's duration, negative when unknown
     */
    public void queryCompleted(String cluster, String group, String state, String errorName, String errorType, Optional<String> user, Optional<String> source, long elapsedMillis)
    {
        String outcome = outcome(state, errorName);
        String errorLabel = errorType == null ? "none" : errorType.toLowerCase(Locale.ROOT);
        String userLabel = userLabels ? user.orElse("none") : "";
        String sourceLabel = userLabels ? source.orElse("none") : "";
        counters.computeIfAbsent(List.of("completed", cluster, group, outcome, errorLabel, userLabel, sourceLabel), key -> Counter.builder("switchboard.queries.completed")
                        .description("Queries that ended, by outcome: the success rate is finished over all")
                        .tags(labels(cluster, group, user, source))
                        .tag("outcome", outcome)
                        .tag("error_type", errorLabel)
                        .register(registry))
                .increment();
        if (elapsedMillis >= 0) {
            durations.computeIfAbsent(List.of(cluster, group, outcome), key -> Timer.builder("switchboard.query.duration")
                            .description("Query duration as the cluster reported it")
                            .tags("cluster", cluster, "group", group, "outcome", outcome)
                            .publishPercentileHistogram()
                            .minimumExpectedValue(Duration.ofMillis(10))
                            .maximumExpectedValue(Duration.ofHours(6))
                            .register(registry))
                    .record(elapsedMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** Reports the gateway queue's length and the queries running under its concurrency limits. */
    public void registerQueueGauges(java.util.function.IntSupplier waiting, java.util.function.IntSupplier running)
    {
        // the suppliers are only referenced here: gauges hold their object weakly unless told otherwise
        Gauge.builder("switchboard.queue.waiting.queries", waiting, supplier -> supplier.getAsInt())
                .description("Queries waiting in the gateway's queue")
                .strongReference(true)
                .register(registry);
        Gauge.builder("switchboard.limits.running.queries", running, supplier -> supplier.getAsInt())
                .description("Queries holding a concurrency permit of this gateway")
                .strongReference(true)
                .register(registry);
    }

    /**
     * A query left the gateway's queue.
     *
     * @param outcome {@code admitted}, {@code timeout}, {@code abandoned}, {@code cancelled} or {@code failed}
     */
    public void queueWait(Duration waited, String outcome)
    {
        Timer.builder("switchboard.queue.wait")
                .description("Time queries waited in the gateway's queue, by how they left it")
                .tag("outcome", outcome)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofHours(1))
                .register(registry)
                .record(waited);
    }

    /** The gateway refused a query before any cluster saw it. */
    public void queryRejected(String group, String errorName, Optional<String> user, Optional<String> source)
    {
        Counter.builder("switchboard.queries.completed")
                .description("Queries that ended, by outcome: the success rate is finished over all")
                .tags(labels("none", group, user, source))
                .tag("outcome", REJECTED)
                .tag("error_type", errorName.toLowerCase(Locale.ROOT))
                .register(registry)
                .increment();
    }

    public void routingDecision(String group, String rule, boolean routed)
    {
        String result = routed ? "routed" : "rejected";
        counters.computeIfAbsent(List.of("decision", group, rule, result), key -> Counter.builder("switchboard.routing.decisions")
                        .description("Routing decisions by routing group, rule and result")
                        .tags("group", group, "rule", rule, "result", result)
                        .register(registry))
                .increment();
    }

    public void submitFailover(String fromCluster)
    {
        Counter.builder("switchboard.routing.failovers").description("Submissions replayed on another cluster after a connect failure").tag("cluster", fromCluster).register(registry).increment();
    }

    public void connectFailure(String cluster)
    {
        Counter.builder("switchboard.backend.connect.failures").description("Failed connections to a cluster").tag("cluster", cluster).register(registry).increment();
    }

    /** A request waited the whole connect timeout for one of the cluster's connections ({@code backend.max-connections}) to free up. */
    public void connectionWaitTimeout(String cluster)
    {
        Counter.builder("switchboard.backend.connection.wait.timeouts").description("Requests that found every connection to a cluster busy for the whole connect timeout")
                .tag("cluster", cluster).register(registry).increment();
    }

    public void ejection(ClusterId cluster)
    {
        Counter.builder("switchboard.cluster.ejections").description("Outlier ejections of a cluster").tag("cluster", cluster.value()).register(registry).increment();
    }

    public void affinityMiss()
    {
        affinityMisses.increment();
    }

    public void upstreamOverhead(long nanos)
    {
        upstreamOverhead.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void downstreamOverhead(long nanos)
    {
        downstreamOverhead.record(nanos, TimeUnit.NANOSECONDS);
    }

    public void requestBytes(long bytes)
    {
        requestBytes.increment(bytes);
    }

    public void responseBytes(long bytes)
    {
        responseBytes.increment(bytes);
    }

    public void connectionOpened()
    {
        openConnections.incrementAndGet();
    }

    public void connectionClosed()
    {
        openConnections.decrementAndGet();
    }

    private Tags labels(String cluster, String group, Optional<String> user, Optional<String> source)
    {
        Tags tags = Tags.of("cluster", cluster, "group", group);
        if (userLabels) {
            tags = tags.and("user", user.orElse("none"), "source", source.orElse("none"));
        }
        return tags;
    }

    /** finished, cancelled, or failed; Trino reports a cancelled query as FAILED with USER_CANCELED. */
    static String outcome(String state, String errorName)
    {
        if ("FINISHED".equals(state)) {
            return "finished";
        }
        if ("USER_CANCELED".equals(errorName) || "CANCELED".equals(state)) {
            return "cancelled";
        }
        return "failed";
    }
}
