package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A real Prometheus scrapes the gateway while real queries succeed and fail through it; Prometheus then answers the
 * success rate per cluster that the queries caused.
 */
@Timeout(180)
final class TestPrometheusScrape
{
    private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUCCESS_RATE = "sum by (cluster) (switchboard_queries_completed_total{outcome=\"finished\"}) "
            + "/ sum by (cluster) (switchboard_queries_completed_total)";

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino("prometheus");

    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private static ChildProcess prometheus;
    private static URI prometheusUri;

    @BeforeAll
    static void startPrometheus()
            throws Exception
    {
        assertThat(PROMETHEUS).as("Prometheus (Debian package prometheus, installed by .ci/run)").exists();
        Path directory = ItEnvironment.workDirectory().resolve("prometheus");
        Files.createDirectories(directory);
        URI admin = GATEWAY.gateway().adminUri();
        Path config = directory.resolve("prometheus.yml");
        Files.writeString(config, """
                global:
                  scrape_interval: 1s
                scrape_configs:
                  - job_name: switchboard
                    metrics_path: /metrics
                    static_configs:
                      - targets: ["%s:%d"]
                """.formatted(admin.getHost(), admin.getPort()), UTF_8);
        int port = TrinoServer.freePort();
        prometheusUri = URI.create("http://127.0.0.1:" + port);
        ChildProcess.deleteRecursively(directory.resolve("data"));
        ProcessBuilder command = new ProcessBuilder(List.of(PROMETHEUS.toString(),
                "--config.file=" + config,
                "--storage.tsdb.path=" + directory.resolve("data"),
                "--web.listen-address=127.0.0.1:" + port));
        prometheus = ChildProcess.start("prometheus", command, directory.resolve("prometheus.log"), directory.resolve("prometheus.pid"), PROMETHEUS.toString());
        awaitTargetUp();
    }

    @AfterAll
    static void stopPrometheus()
            throws InterruptedException
    {
        if (prometheus != null) {
            prometheus.stop(Duration.ofSeconds(10));
        }
    }

    @Test
    void prometheusReportsTheSuccessRatePerClusterThatTheQueriesCaused()
            throws Exception
    {
        Map<String, int[]> expected = new HashMap<>();
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                Statement statement = connection.createStatement()) {
            for (int i = 0; i < 12; i++) {
                boolean fail = i % 3 == 0;
                String sql = fail ? "SELECT no_such_column FROM tpch.tiny.region" : "SELECT count(*) FROM tpch.tiny.region";
                try (ResultSet resultSet = statement.executeQuery(sql)) {
                    while (resultSet.next()) {
                        assertThat(resultSet.getLong(1)).isEqualTo(5);
                    }
                }
                catch (SQLException e) {
                    assertThat(fail).as("only the broken queries fail: " + e.getMessage()).isTrue();
                }
            }
        }
        for (JsonNode query : gatewayQueries()) {
            int[] counts = expected.computeIfAbsent(query.get("cluster").asText(), ignored -> new int[2]);
            counts[1]++;
            if (query.get("state").asText().equals("FINISHED")) {
                counts[0]++;
            }
        }
        assertThat(expected.values().stream().mapToInt(counts -> counts[1]).sum()).isEqualTo(12);

        Map<String, Double> rates = awaitSuccessRates(expected.keySet().size());

        assertThat(rates.keySet()).isEqualTo(expected.keySet());
        expected.forEach((cluster, counts) -> assertThat(rates.get(cluster)).as(cluster).isCloseTo((double) counts[0] / counts[1], org.assertj.core.data.Offset.offset(1e-9)));
        System.out.println("success rate per cluster from Prometheus: " + rates);
    }

    private static JsonNode gatewayQueries()
            throws Exception
    {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(GATEWAY.gateway().adminUri().resolve("/v1/gateway/queries?limit=100"))
                        .header("Authorization", "Bearer " + GATEWAY.gateway().config().adminToken().orElseThrow()).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static Map<String, Double> awaitSuccessRates(int clusters)
            throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        Map<String, Double> rates = Map.of();
        while (System.nanoTime() < deadline) {
            JsonNode result = query(SUCCESS_RATE).path("data").path("result");
            Map<String, Double> current = new HashMap<>();
            double total = 0;
            for (JsonNode series : result) {
                current.put(series.path("metric").path("cluster").asText(), Double.parseDouble(series.path("value").get(1).asText()));
            }
            JsonNode count = query("sum(switchboard_queries_completed_total)").path("data").path("result");
            if (count.size() == 1) {
                total = Double.parseDouble(count.get(0).path("value").get(1).asText());
            }
            rates = current;
            if (current.size() == clusters && total == 12) {
                return current;
            }
            Thread.sleep(500);
        }
        return rates;
    }

    private static void awaitTargetUp()
            throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            try {
                JsonNode up = query("up{job=\"switchboard\"}").path("data").path("result");
                if (up.size() == 1 && up.get(0).path("value").get(1).asText().equals("1")) {
                    return;
                }
            }
            catch (java.io.IOException e) {
                // Prometheus is still starting
            }
            Thread.sleep(250);
        }
        throw new AssertionError("Prometheus never scraped the gateway; see " + ItEnvironment.workDirectory().resolve("prometheus/prometheus.log"));
    }

    private static JsonNode query(String promql)
            throws Exception
    {
        URI uri = prometheusUri.resolve("/api/v1/query?query=" + URLEncoder.encode(promql, UTF_8));
        return JSON.readTree(HTTP.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body());
    }
}
