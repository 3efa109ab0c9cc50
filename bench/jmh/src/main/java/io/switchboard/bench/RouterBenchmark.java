package io.switchboard.bench;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterLoad;
import io.switchboard.core.HealthState;
import io.switchboard.core.LoadProbeKind;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.StatementKind;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.GroupSettings;
import io.switchboard.routing.LoadTracker;
import io.switchboard.routing.Router;
import io.switchboard.routing.policy.LeastLoadedPolicy;
import io.switchboard.routing.policy.Policies;
import io.switchboard.routing.rules.RoutingRule;
import io.switchboard.routing.rules.ValueMatcher;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * One routing decision for a new query, as the proxy asks for it on every submit: a few rules checked in order (the
 * request matches the last), then the group's healthy clusters, then the group's policy, and the chosen cluster's
 * load counted.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RouterBenchmark
{
    private static final RoutingGroup ADHOC = RoutingGroup.of("adhoc");

    @Param("50")
    public int clusters;

    @Param({"least-loaded", "weighted-round-robin"})
    public String policy;

    private Router router;
    private LoadTracker loadTracker;
    private List<ClusterId> ids;
    private RouteRequest request;

    @Setup
    public void setUp()
    {
        RandomGenerator random = () -> ThreadLocalRandom.current().nextLong();
        Random seeded = new Random(7);
        List<Cluster> members = new ArrayList<>();
        for (int i = 1; i <= clusters; i++) {
            // weights 1-4 and capacities 50-200, as a fleet of unequal clusters has
            members.add(new Cluster(ClusterId.of(String.format("trino-adhoc-%02d", i)), URI.create("http://10.0.1." + i + ":8080"), ADHOC,
                    false, 1 + i % 4, 50 * (1 + i % 4), LoadProbeKind.TRINO_METRICS, false));
        }
        ClusterRegistry registry = new ClusterRegistry(members);
        Instant now = Instant.now();
        for (Cluster cluster : members) {
            ClusterLoad load = new ClusterLoad(seeded.nextInt(20), seeded.nextInt(40), Optional.of(now), Optional.empty());
            registry.update(cluster.id(), status -> status.withHealth(HealthState.HEALTHY, now, Optional.empty()).withLoad(load));
        }
        ids = members.stream().map(Cluster::id).toList();
        List<RoutingRule> rules = List.of(
                rule("etl-from-airflow", Optional.empty(), Optional.of("regex:airflow.*"), Optional.empty(), Map.of(), Optional.empty(), "etl"),
                rule("bi-dashboards", Optional.empty(), Optional.empty(), Optional.of("bi"), Map.of(), Optional.empty(), "bi"),
                rule("batch-hint", Optional.empty(), Optional.empty(), Optional.empty(), Map.of("X-Routing-Hint", "batch"), Optional.empty(), "batch"),
                rule("writes", Optional.empty(), Optional.empty(), Optional.empty(), Map.of(), Optional.of(StatementKind.OTHER), "etl"),
                rule("analysts", Optional.of("regex:analyst_[0-9]+"), Optional.empty(), Optional.empty(), Map.of(), Optional.of(StatementKind.READ_ONLY), "adhoc"));
        Router.Settings settings = new Router.Settings(
                ADHOC,
                rules,
                Map.of(ADHOC, new GroupSettings(ADHOC, Policies.named(policy, random), Optional.empty())),
                group -> new GroupSettings(group, new LeastLoadedPolicy(random), Optional.empty()),
                false,
                50);
        loadTracker = new LoadTracker(Duration.ofMinutes(10), 100_000);
        router = new Router(registry, settings, loadTracker, Clock.systemUTC());
        request = new RouteRequest(
                Optional.of("analyst_042"),
                Optional.of("trino-cli"),
                Set.of("interactive", "team-growth"),
                Map.of("x-trino-user", "analyst_042", "x-trino-source", "trino-cli", "x-trino-client-tags", "interactive,team-growth",
                        "user-agent", "StatementClientV1/476"),
                StatementKind.READ_ONLY,
                Optional.empty());
        Router.Decision decision = router.route(request, Set.of());
        if (!(decision instanceof Router.Routed routed) || !routed.rule().equals("analysts")) {
            throw new IllegalStateException("the benchmark request must be routed by the last rule: " + decision);
        }
    }

    /** The load prober resets the per-cluster submitted counts every few seconds; so does each iteration. */
    @Setup(Level.Iteration)
    public void probed()
    {
        for (ClusterId id : ids) {
            loadTracker.probed(id);
        }
    }

    @Benchmark
    public Router.Decision route()
    {
        return router.route(request, Set.of());
    }

    private static RoutingRule rule(String name, Optional<String> user, Optional<String> source, Optional<String> clientTag, Map<String, String> headers,
            Optional<StatementKind> statement, String group)
    {
        Map<String, ValueMatcher> matchers = new java.util.LinkedHashMap<>();
        headers.forEach((header, value) -> matchers.put(header, ValueMatcher.parse(value)));
        return new RoutingRule(name, user.map(ValueMatcher::parse), source.map(ValueMatcher::parse), clientTag.map(ValueMatcher::parse), matchers, statement,
                RoutingGroup.of(group));
    }
}
