package io.switchboard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.LoadTracker;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class TestGatewayMetrics
{
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final ClusterRegistry clusters = new ClusterRegistry(List.of(Cluster.of(ClusterId.of("trino-a"), URI.create("http://a:1"), RoutingGroup.of("adhoc"))));
    private final GatewayMetrics metrics = new GatewayMetrics(registry, clusters, new LoadTracker(Duration.ofMinutes(1), 10), true);

    @Test
    void eachOutcomeCountsInItsOwnSeries()
    {
        metrics.queryCompleted("trino-a", "adhoc", "FINISHED", null, null, Optional.of("alice"), Optional.of("cli"), 1500);
        metrics.queryCompleted("trino-a", "adhoc", "FINISHED", null, null, Optional.of("alice"), Optional.of("cli"), 500);
        metrics.queryCompleted("trino-a", "adhoc", "FAILED", "COLUMN_NOT_FOUND", "USER_ERROR", Optional.of("alice"), Optional.of("cli"), 20);
        metrics.queryCompleted("trino-a", "adhoc", "FAILED", "USER_CANCELED", "USER_ERROR", Optional.of("bob"), Optional.empty(), 20);
        metrics.queryRejected("etl", "NO_ELIGIBLE_CLUSTER", Optional.of("carol"), Optional.of("airflow"));

        String scrape = registry.scrape();

        assertThat(scrape)
                .contains("switchboard_queries_completed_total{cluster=\"trino-a\",error_type=\"none\",group=\"adhoc\",outcome=\"finished\",source=\"cli\",user=\"alice\"} 2.0")
                .contains("switchboard_queries_completed_total{cluster=\"trino-a\",error_type=\"user_error\",group=\"adhoc\",outcome=\"failed\",source=\"cli\",user=\"alice\"} 1.0")
                .contains("switchboard_queries_completed_total{cluster=\"trino-a\",error_type=\"user_error\",group=\"adhoc\",outcome=\"cancelled\",source=\"none\",user=\"bob\"} 1.0")
                .contains("switchboard_queries_completed_total{cluster=\"none\",error_type=\"no_eligible_cluster\",group=\"etl\",outcome=\"rejected\",source=\"airflow\",user=\"carol\"} 1.0")
                .contains("switchboard_query_duration_seconds_count{cluster=\"trino-a\",group=\"adhoc\",outcome=\"finished\"} 2")
                .contains("switchboard_query_duration_seconds_sum{cluster=\"trino-a\",group=\"adhoc\",outcome=\"finished\"} 2.0");
    }

    @Test
    void theGatewayQueueReportsItsLengthAndHowLongQueriesWaited()
    {
        metrics.registerQueueGauges(() -> 3, () -> 7);
        metrics.queueWait(Duration.ofMillis(1500), "admitted");
        metrics.queueWait(Duration.ofSeconds(600), "timeout");
        // gauges must survive collection of the suppliers that only they reference
        System.gc();

        assertThat(registry.scrape())
                .contains("switchboard_queue_waiting_queries 3.0")
                .contains("switchboard_limits_running_queries 7.0")
                .contains("switchboard_queue_wait_seconds_count{outcome=\"admitted\"} 1")
                .contains("switchboard_queue_wait_seconds_sum{outcome=\"timeout\"} 600.0");
    }

    @Test
    void userAndSourceLabelsCanBeSwitchedOff()
    {
        PrometheusMeterRegistry quiet = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        new GatewayMetrics(quiet, clusters, new LoadTracker(Duration.ofMinutes(1), 10), false)
                .queryCompleted("trino-a", "adhoc", "FINISHED", null, null, Optional.of("alice"), Optional.of("cli"), 10);

        assertThat(quiet.scrape()).contains("switchboard_queries_completed_total{cluster=\"trino-a\",error_type=\"none\",group=\"adhoc\",outcome=\"finished\"} 1.0");
    }

    @Test
    void aSourceThatStoppedAnsweringShowsInItsGauges()
    {
        java.time.Instant lastAnswer = java.time.Instant.now().minusSeconds(30);
        metrics.registerSourceGauges("discovery", () -> new io.switchboard.core.spi.SourceStatus("consul", false, lastAnswer, Optional.of(lastAnswer), Optional.of("500")));
        metrics.registerSourceGauges("state-store", () -> io.switchboard.core.spi.SourceStatus.local("file", lastAnswer));
        // the suppliers above are held by the gauges alone
        System.gc();

        String scrape = registry.scrape();

        assertThat(scrape)
                .contains("switchboard_source_reachable{kind=\"consul\",source=\"discovery\"} 0.0")
                .contains("switchboard_source_reachable{kind=\"file\",source=\"state-store\"} 1.0")
                .containsPattern("switchboard_source_last_contact_age_seconds\\{kind=\"consul\",source=\"discovery\"} 3\\d\\.\\d+");
    }

    @Test
    void clustersAreDescribedByGauges()
    {
        String scrape = registry.scrape();

        assertThat(scrape)
                .contains("switchboard_cluster_healthy{cluster=\"trino-a\",group=\"adhoc\"} 0.0")
                .contains("switchboard_cluster_admin_state{cluster=\"trino-a\",group=\"adhoc\",state=\"ACTIVE\"} 1.0")
                .contains("switchboard_cluster_admin_state{cluster=\"trino-a\",group=\"adhoc\",state=\"DRAINING\"} 0.0")
                .contains("switchboard_cluster_inflight_queries{cluster=\"trino-a\",group=\"adhoc\"} 0.0");
    }

    @Test
    void clustersThatComeGetGaugesOnceAndClustersThatLeaveLoseThem()
    {
        clusters.replaceClusters(List.of(
                Cluster.of(ClusterId.of("trino-a"), URI.create("http://a:1"), RoutingGroup.of("etl")),
                Cluster.of(ClusterId.of("trino-b"), URI.create("http://b:1"), RoutingGroup.of("adhoc"))), id -> io.switchboard.core.AdminState.ACTIVE);
        metrics.registerClusterGauges();
        metrics.registerClusterGauges();

        String both = registry.scrape();
        assertThat(both)
                .contains("switchboard_cluster_healthy{cluster=\"trino-a\",group=\"etl\"} 0.0")
                .contains("switchboard_cluster_healthy{cluster=\"trino-b\",group=\"adhoc\"} 0.0")
                .doesNotContain("switchboard_cluster_healthy{cluster=\"trino-a\",group=\"adhoc\"}");
        assertThat(registry.find("switchboard.cluster.healthy").gauges()).hasSize(2);

        clusters.replaceClusters(List.of(Cluster.of(ClusterId.of("trino-b"), URI.create("http://b:1"), RoutingGroup.of("adhoc"))), id -> io.switchboard.core.AdminState.ACTIVE);
        metrics.registerClusterGauges();

        assertThat(registry.scrape())
                .doesNotContain("cluster=\"trino-a\"")
                .doesNotContain("NaN")
                .contains("switchboard_cluster_inflight_queries{cluster=\"trino-b\",group=\"adhoc\"} 0.0");
    }
}
