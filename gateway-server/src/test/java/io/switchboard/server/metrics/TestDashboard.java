package io.switchboard.server.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.LoadTracker;
import io.switchboard.routing.shadow.Comparison;
import io.switchboard.routing.shadow.SideResult;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard in docker/ charts only metrics the gateway exports. */
final class TestDashboard
{
    private static final Path DASHBOARD = Path.of("..", "docker", "grafana", "dashboards", "switchboard.json");
    private static final Pattern METRIC = Pattern.compile("\\bswitchboard_[a-z_]+");

    @Test
    void everyMetricInTheDashboardIsExported()
            throws IOException
    {
        Set<String> exported = exportedNames();
        List<String> expressions = expressions(new ObjectMapper().readTree(DASHBOARD.toFile()));
        Set<String> used = new TreeSet<>();
        for (String expression : expressions) {
            Matcher matcher = METRIC.matcher(expression);
            while (matcher.find()) {
                used.add(matcher.group());
            }
        }

        assertThat(expressions).hasSizeGreaterThanOrEqualTo(8);
        assertThat(used).contains("switchboard_queries_completed_total", "switchboard_cluster_queued_queries", "switchboard_query_duration_seconds_bucket",
                "switchboard_proxy_overhead_seconds_bucket");
        assertThat(exported).containsAll(used);
    }

    private static Set<String> exportedNames()
    {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        ClusterRegistry clusters = new ClusterRegistry(List.of(Cluster.of(ClusterId.of("trino-a"), URI.create("http://a:1"), RoutingGroup.of("adhoc"))));
        GatewayMetrics metrics = new GatewayMetrics(registry, clusters, new LoadTracker(Duration.ofMinutes(1), 10), true);
        metrics.queryCompleted("trino-a", "adhoc", "FINISHED", null, null, Optional.of("u"), Optional.of("s"), 10);
        metrics.queryRejected("adhoc", "NO_ELIGIBLE_CLUSTER", Optional.of("u"), Optional.of("s"));
        metrics.querySubmitted("trino-a", "adhoc");
        metrics.routingDecision("adhoc", "default", true);
        metrics.submitFailover("trino-a");
        metrics.connectFailure("trino-a");
        metrics.ejection(ClusterId.of("trino-a"));
        metrics.affinityMiss();
        metrics.upstreamOverhead(1000);
        metrics.downstreamOverhead(1000);
        metrics.requestBytes(10);
        metrics.responseBytes(10);
        metrics.registerQueueGauges(() -> 0, () -> 0);
        metrics.queueWait(Duration.ofSeconds(1), "admitted");
        ShadowMetrics shadow = new ShadowMetrics(registry);
        SideResult finished = new SideResult("trino-a", "q1", SideResult.Outcome.FINISHED, null, null, true, 1, 1, 10);
        shadow.compared(new Comparison("adhoc", "select", "SELECT 1", "u", finished, finished, Comparison.Verdict.MISMATCH, List.of(Comparison.CHECKSUM), null,
                Optional.of(1.0), Instant.EPOCH));
        shadow.dropped("adhoc", "concurrency");
        Set<String> names = new TreeSet<>();
        for (String line : registry.scrape().split("\n")) {
            if (!line.isEmpty() && !line.startsWith("#")) {
                int end = 0;
                while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                    end++;
                }
                names.add(line.substring(0, end));
            }
        }
        return names;
    }

    private static List<String> expressions(JsonNode dashboard)
    {
        List<String> expressions = new ArrayList<>();
        for (JsonNode panel : dashboard.path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                expressions.add(target.path("expr").asText());
            }
        }
        for (JsonNode variable : dashboard.path("templating").path("list")) {
            expressions.add(variable.path("query").asText());
        }
        return expressions;
    }
}
