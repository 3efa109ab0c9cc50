package io.switchboard.routing;

import static io.switchboard.routing.Fixtures.cluster;
import static io.switchboard.routing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.HealthState;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.StatementKind;
import io.switchboard.core.protocol.GatewayErrorType;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.routing.policy.LeastLoadedPolicy;
import io.switchboard.routing.policy.WeightedRoundRobinPolicy;
import io.switchboard.routing.rules.RoutingRule;
import io.switchboard.routing.rules.ValueMatcher;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class TestRouter
{
    private static final Clock CLOCK = Clock.fixed(Instant.parse("2026-11-26T12:00:00Z"), ZoneOffset.UTC);
    private static final RoutingGroup ADHOC = RoutingGroup.of("adhoc");
    private static final RoutingGroup ETL = RoutingGroup.of("etl");
    private static final RoutingGroup BI = RoutingGroup.of("bi");
    private static final RoutingRule AIRFLOW = new RoutingRule("airflow", Optional.empty(), Optional.of(ValueMatcher.parse("regex:airflow.*")),
            Optional.empty(), Map.of(), Optional.empty(), ETL);
    private static final RoutingRule BI_READS = new RoutingRule("bi-reads", Optional.empty(), Optional.empty(),
            Optional.of(ValueMatcher.parse("bi")), Map.of(), Optional.of(StatementKind.READ_ONLY), BI);

    private final ClusterRegistry registry = new ClusterRegistry(List.of(
            cluster("adhoc-1", "adhoc", 1, 100),
            cluster("adhoc-2", "adhoc", 1, 100),
            cluster("etl-1", "etl", 1, 100),
            cluster("bi-1", "bi", 1, 100)));

    @Test
    void theFirstMatchingRuleNamesTheGroup()
    {
        healthyAll();
        Router router = router(Map.of(), false);

        Router.Routed routed = (Router.Routed) router.route(request("u", "airflow-prod", "SELECT 1"), Set.of());

        assertThat(routed.group()).isEqualTo(ETL);
        assertThat(routed.rule()).isEqualTo("airflow");
        assertThat(routed.cluster().id()).isEqualTo(ClusterId.of("etl-1"));
    }

    @Test
    void withoutAMatchingRuleTheDefaultGroupTakesTheQuery()
    {
        healthyAll();

        Router.Routed routed = (Router.Routed) router(Map.of(), false).route(request("u", "cli", "SELECT 1"), Set.of());

        assertThat(routed.group()).isEqualTo(ADHOC);
        assertThat(routed.rule()).isEqualTo(Router.DEFAULT_RULE);
    }

    @Test
    void theGroupHeaderIsHonouredOnlyWhenAllowed()
    {
        healthyAll();
        RouteRequest asksForBi = new RouteRequest(Optional.of("u"), Optional.empty(), Set.of(), Map.of(), StatementKind.READ_ONLY, Optional.of("bi"));

        assertThat(((Router.Routed) router(Map.of(), true).route(asksForBi, Set.of())).group()).isEqualTo(BI);
        assertThat(((Router.Routed) router(Map.of(), false).route(asksForBi, Set.of())).group()).isEqualTo(ADHOC);
    }

    @Test
    void anIsolatedGroupWithoutEligibleClustersFailsNamingTheGroup()
    {
        healthyAll();
        registry.update(ClusterId.of("etl-1"), status -> status.withHealth(HealthState.UNHEALTHY, CLOCK.instant(), Optional.of("down")));

        Router.Rejected rejected = (Router.Rejected) router(Map.of(), false).route(request("u", "airflow", "SELECT 1"), Set.of());

        assertThat(rejected.error().type()).isEqualTo(GatewayErrorType.NO_ELIGIBLE_CLUSTER);
        assertThat(rejected.error().message()).contains("'etl'").contains("none of its 1 clusters is healthy");
    }

    @Test
    void aGroupWithAFallbackHandsItsQueriesOver()
    {
        healthyAll();
        registry.update(ClusterId.of("etl-1"), status -> status.withHealth(HealthState.UNHEALTHY, CLOCK.instant(), Optional.of("down")));
        Router router = router(Map.of(ETL, new GroupSettings(ETL, new LeastLoadedPolicy(new SplittableRandom(1)), Optional.of(ADHOC))), false);

        Router.Routed routed = (Router.Routed) router.route(request("u", "airflow", "SELECT 1"), Set.of());

        assertThat(routed.group()).isEqualTo(ADHOC);
        assertThat(routed.rule()).isEqualTo("airflow");
    }

    @Test
    void clustersThatFailedThisSubmissionAreSkipped()
    {
        healthyAll();
        Router router = router(Map.of(), false);

        Router.Routed routed = (Router.Routed) router.route(request("u", "cli", "SELECT 1"), Set.of(ClusterId.of("adhoc-1")));
        Router.Rejected rejected = (Router.Rejected) router.route(request("u", "cli", "SELECT 1"), Set.of(ClusterId.of("adhoc-1"), ClusterId.of("adhoc-2")));

        assertThat(routed.cluster().id()).isEqualTo(ClusterId.of("adhoc-2"));
        assertThat(rejected.error().message()).contains("every healthy cluster failed to accept the query");
    }

    @Test
    void ejectedClustersAreSkippedUntilMostOfTheGroupIsEjected()
    {
        healthyAll();
        Router router = router(Map.of(ADHOC, new GroupSettings(ADHOC, new WeightedRoundRobinPolicy(), Optional.empty())), false);
        Instant later = CLOCK.instant().plus(Duration.ofMinutes(1));
        registry.update(ClusterId.of("adhoc-1"), status -> status.withEjectedUntil(Optional.of(later)));

        for (int i = 0; i < 4; i++) {
            assertThat(((Router.Routed) router.route(request("u", null, "SELECT 1"), Set.of())).cluster().id()).isEqualTo(ClusterId.of("adhoc-2"));
        }

        registry.update(ClusterId.of("adhoc-2"), status -> status.withEjectedUntil(Optional.of(later)));
        Router.Decision panic = router.explain(request("u", null, "SELECT 1"));
        assertThat(panic).isInstanceOf(Router.Routed.class);
        assertThat(panic.trace()).anySatisfy(step -> assertThat(step).startsWith("panic"));
    }

    @Test
    void explainSaysWhichRuleGroupAndClusterAndWhy()
    {
        healthyAll();
        registry.update(ClusterId.of("adhoc-2"), status -> status.withHealth(HealthState.UNHEALTHY, CLOCK.instant(), Optional.of("connection refused")));

        Router.Decision decision = router(Map.of(), false).explain(request("u", "cli", "SELECT 1"));

        assertThat(decision.trace()).containsExactly(
                "no rule matched: default routing group 'adhoc'",
                "'adhoc-2' is not eligible: health UNHEALTHY (connection refused)",
                "policy least-loaded chose 'adhoc-1' among adhoc-1 (load 0/100, in flight here 0)");
    }

    @Test
    void biReadsGoToBiButBiWritesDoNot()
    {
        healthyAll();
        Router router = router(Map.of(), false);
        RouteRequest read = new RouteRequest(Optional.of("u"), Optional.empty(), Set.of("bi"), Map.of(), StatementKind.READ_ONLY, Optional.empty());
        RouteRequest write = new RouteRequest(Optional.of("u"), Optional.empty(), Set.of("bi"), Map.of(), StatementKind.OTHER, Optional.empty());

        assertThat(((Router.Routed) router.route(read, Set.of())).group()).isEqualTo(BI);
        assertThat(((Router.Routed) router.route(write, Set.of())).group()).isEqualTo(ADHOC);
    }

    @Test
    void aShadowClusterNeverTakesAClientQuery()
    {
        Cluster shadow = cluster("adhoc-next", "adhoc", 1, 100);
        registry.replaceClusters(List.of(cluster("adhoc-1", "adhoc", 1, 100),
                new Cluster(shadow.id(), shadow.uri(), shadow.routingGroup(), false, 1, 100, shadow.loadProbe(), true)), id -> io.switchboard.core.AdminState.ACTIVE);
        healthyAll();
        Router router = router(Map.of(), false);

        for (int i = 0; i < 10; i++) {
            assertThat(((Router.Routed) router.route(request("u", null, "SELECT 1"), Set.of())).cluster().id()).isEqualTo(ClusterId.of("adhoc-1"));
        }
        assertThat(router.explain(request("u", null, "SELECT 1")).trace())
                .contains("'adhoc-next' is not eligible: it is a shadow cluster, which only receives mirrored queries");
    }

    @Test
    void aGroupThatHoldsWhenFullSendsQueriesOnlyToClustersWithRoomAndThenHoldsThem()
    {
        registry.replaceClusters(List.of(cluster("adhoc-1", "adhoc", 1, 2), cluster("adhoc-2", "adhoc", 1, 1)), id -> io.switchboard.core.AdminState.ACTIVE);
        healthyAll();
        Router router = router(Map.of(ADHOC, new GroupSettings(ADHOC, new LeastLoadedPolicy(new SplittableRandom(1)), Optional.empty(), true)), false);

        for (int i = 0; i < 3; i++) {
            assertThat(router.route(request("u", null, "SELECT 1"), Set.of())).isInstanceOf(Router.Routed.class);
        }
        Router.Decision fourth = router.route(request("u", null, "SELECT 1"), Set.of());

        assertThat(router.holdsWhenFull()).isTrue();
        assertThat(fourth).isInstanceOf(Router.Held.class);
        assertThat(((Router.Held) fourth).reason())
                .isEqualTo("every eligible cluster of routing group 'adhoc' is at capacity: adhoc-1 (load 2/2, in flight here 0), adhoc-2 (load 1/1, in flight here 0)");
        assertThat(router(Map.of(), false).route(request("u", null, "SELECT 1"), Set.of())).isInstanceOf(Router.Routed.class);
    }

    private Router router(Map<RoutingGroup, GroupSettings> groups, boolean allowHeader)
    {
        Router.Settings settings = new Router.Settings(ADHOC, List.of(AIRFLOW, BI_READS), groups,
                group -> new GroupSettings(group, new LeastLoadedPolicy(new SplittableRandom(1)), Optional.empty()), allowHeader, 50);
        return new Router(registry, settings, new LoadTracker(Duration.ofMinutes(10), 1000), CLOCK);
    }

    private void healthyAll()
    {
        for (Cluster cluster : registry.snapshot().clusters().stream().map(status -> status.cluster()).toList()) {
            registry.update(cluster.id(), status -> status.withHealth(HealthState.HEALTHY, CLOCK.instant(), Optional.empty()));
        }
    }
}
