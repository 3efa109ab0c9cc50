package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A user, or a source, over its concurrency limit: its next query waits in the gateway's queue, where the real JDBC
 * driver and CLI show it as queued and keep polling, and runs on a cluster as soon as the earlier query ends.
 */
@Timeout(120)
final class TestGatewayQueue
{
    private static final String LIMITED_USER = "queue-user";
    private static final String CLI_SOURCE = "queue-cli";
    private static final String QUERY = "SELECT count(*) FROM tpch.tiny.nation";
    private static final Duration STILL_QUEUED = Duration.ofSeconds(3);

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.over("queue", trino -> GatewayConfig.adhocOver(trino)
            .withRoutingYaml("""
                    limits:
                      users: {%s: 1}
                      sources: {%s: 1}
                    queue:
                      poll-wait: 500ms
                    """.formatted(LIMITED_USER, CLI_SOURCE)));

    private final TrinoProtocol protocol = new TrinoProtocol();

    @Test
    void aJdbcQueryOfAUserOverItsLimitIsQueuedAndThenCompletes()
            throws Exception
    {
        Map<String, String> headers = Map.of("X-Trino-User", LIMITED_USER);
        String marker = QueryMarkers.newMarker("queue-jdbc");
        // the first query of the source stays open: its client has not read it to the end
        ProtocolResponse first = protocol.submitAndAwaitRunning(GATEWAY.gateway().proxyUri(), QUERY, headers);
        assertThat(first.queryId()).isPresent();

        CompletableFuture<Long> queued = CompletableFuture.supplyAsync(() -> {
            URI proxy = GATEWAY.gateway().proxyUri();
            try (Connection connection = DriverManager.getConnection("jdbc:trino://" + proxy.getHost() + ":" + proxy.getPort() + "?user=" + LIMITED_USER);
                    Statement statement = connection.createStatement();
                    ResultSet resultSet = statement.executeQuery("/* " + marker + " */ " + QUERY)) {
                assertThat(resultSet.next()).isTrue();
                long count = resultSet.getLong(1);
                // read to the end: a result set closed earlier cancels its query
                assertThat(resultSet.next()).isFalse();
                return count;
            }
            catch (Exception e) {
                throw new RuntimeException(e);
            }
        });

        Thread.sleep(STILL_QUEUED.toMillis());
        assertThat(queued).as("the second query of %s waits while the first is open", LIMITED_USER).isNotDone();
        assertThat(QueryMarkers.queriesByServer(GATEWAY.trino(), marker).values()).allSatisfy(queries -> assertThat(queries).isEmpty());
        assertThat(metric("switchboard_queue_waiting_queries")).isEqualTo(1.0);

        QueryOutcome firstOutcome = protocol.followToEnd(first, headers, UnaryOperator.identity());
        assertThat(firstOutcome.finalState()).isEqualTo("FINISHED");

        assertThat(queued.get(60, TimeUnit.SECONDS)).isEqualTo(25);
        List<JsonNode> ran = QueryMarkers.queriesByServer(GATEWAY.trino(), marker).values().stream().flatMap(List::stream).toList();
        assertThat(ran).singleElement().satisfies(query -> assertThat(query.path("state").asText()).isEqualTo("FINISHED"));
        assertThat(metric("switchboard_queue_wait_seconds_count{outcome=\"admitted\"}")).isGreaterThanOrEqualTo(1.0);
    }

    @Test
    void aCliQueryOverItsSourcesLimitIsQueuedAndThenCompletes()
            throws Exception
    {
        Map<String, String> headers = Map.of("X-Trino-User", "test", "X-Trino-Source", CLI_SOURCE);
        String marker = QueryMarkers.newMarker("queue-cli");
        ProtocolResponse first = protocol.submitAndAwaitRunning(GATEWAY.gateway().proxyUri(), QUERY, headers);

        CompletableFuture<TrinoCli.Result> queued = CompletableFuture.supplyAsync(() -> {
            try {
                return TrinoCli.execute(GATEWAY.gateway().proxyUri(), "/* " + marker + " */ " + QUERY, "CSV", List.of("--source", CLI_SOURCE));
            }
            catch (Exception e) {
                throw new RuntimeException(e);
            }
        });

        Thread.sleep(STILL_QUEUED.toMillis());
        assertThat(queued).isNotDone();
        assertThat(QueryMarkers.queriesByServer(GATEWAY.trino(), marker).values()).allSatisfy(queries -> assertThat(queries).isEmpty());

        assertThat(protocol.followToEnd(first, headers, UnaryOperator.identity()).finalState()).isEqualTo("FINISHED");

        TrinoCli.Result result = queued.get(60, TimeUnit.SECONDS);
        assertThat(result.exitCode()).as(result.allOutput()).isZero();
        assertThat(result.stdout().strip()).isEqualTo("\"25\"");
    }

    private double metric(String series)
            throws Exception
    {
        URI metrics = GATEWAY.gateway().adminUri().resolve("/metrics");
        String body = protocol.get(metrics, Map.of()).body();
        return body.lines()
                .filter(line -> line.startsWith(series + " "))
                .mapToDouble(line -> Double.parseDouble(line.substring(series.length() + 1).trim()))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no series " + series + " in /metrics"));
    }
}
