package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A client's cancel reaches the cluster that runs the query, which stops it promptly. */
final class TestCancel
{
    private static final Duration CANCEL_DEADLINE = Duration.ofSeconds(5);
    private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
    // generating 600 million lineitem rows takes minutes on this machine: the query is still running when cancelled
    private static final String LONG_QUERY = "SELECT count(*) FROM tpch.sf100.lineitem";

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    private final TrinoProtocol protocol = new TrinoProtocol();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private String marker;

    @AfterEach
    void stopTheQueryEvenIfTheGatewayDidNot()
            throws IOException, InterruptedException
    {
        executor.shutdownNow();
        if (marker != null) {
            Map<TrinoServer, List<JsonNode>> queries = QueryMarkers.queriesByServer(GATEWAY.trino(), marker);
            for (Map.Entry<TrinoServer, List<JsonNode>> entry : queries.entrySet()) {
                for (JsonNode query : entry.getValue()) {
                    protocol.cancelQuery(entry.getKey().uri(), query.path("queryId").asText());
                }
            }
        }
    }

    @Test
    void jdbcCancelFailsTheQueryOnItsCluster()
            throws Exception
    {
        marker = QueryMarkers.newMarker("cancel-jdbc");
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                Statement statement = connection.createStatement()) {
            Future<Optional<SQLException>> execution = executor.submit(() -> {
                try (ResultSet resultSet = statement.executeQuery("/* " + marker + " */ " + LONG_QUERY)) {
                    while (resultSet.next()) {
                        // the count arrives only at the end, which this test never reaches
                    }
                    return Optional.empty();
                }
                catch (SQLException e) {
                    return Optional.of(e);
                }
            });
            RunningQuery query = awaitRunning(marker);

            statement.cancel();

            assertThat(awaitFinalState(query)).isEqualTo(Map.entry("FAILED", "USER_CANCELED"));
            assertThat(execution.get(30, TimeUnit.SECONDS)).as("what executeQuery threw").isPresent();
        }
    }

    @Test
    void deleteOfTheNextUriFailsTheQueryOnItsCluster()
            throws Exception
    {
        marker = QueryMarkers.newMarker("cancel-http");
        ProtocolResponse response = protocol.submit(GATEWAY.gateway().proxyUri(), "/* " + marker + " */ " + LONG_QUERY, TrinoProtocol.TRINO_USER);
        // Trino dispatches a query only once its client polls, so poll as a client does until it runs
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (!response.state().orElse("").equals("RUNNING") && System.nanoTime() < deadline) {
            ProtocolResponse current = response;
            URI next = current.nextUri().orElseThrow(() -> new AssertionError("query ended before it ran: " + current));
            response = protocol.get(next, TrinoProtocol.TRINO_USER);
        }
        RunningQuery query = awaitRunning(marker);
        ProtocolResponse running = response;
        URI nextUri = running.nextUri().orElseThrow(() -> new AssertionError("no nextUri while running: " + running));

        ProtocolResponse cancel = protocol.delete(nextUri, TrinoProtocol.TRINO_USER);

        assertThat(cancel.status()).as(cancel.toString()).isEqualTo(204);
        assertThat(awaitFinalState(query)).isEqualTo(Map.entry("FAILED", "USER_CANCELED"));
    }

    /** Where a query runs, as its coordinator knows it. */
    private record RunningQuery(TrinoServer server, String queryId) {}

    private RunningQuery awaitRunning(String marker)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            for (Map.Entry<TrinoServer, List<JsonNode>> entry : QueryMarkers.queriesByServer(GATEWAY.trino(), marker).entrySet()) {
                for (JsonNode query : entry.getValue()) {
                    if (query.path("state").asText().equals("RUNNING")) {
                        return new RunningQuery(entry.getKey(), query.path("queryId").asText());
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no query marked " + marker + " was running on any cluster within " + START_TIMEOUT.toSeconds() + " s");
    }

    /** State and error name of the query once it has ended on its coordinator, waiting at most five seconds. */
    private Map.Entry<String, String> awaitFinalState(RunningQuery query)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + CANCEL_DEADLINE.toNanos();
        String state = "unknown";
        while (System.nanoTime() < deadline) {
            JsonNode info = protocol.queryInfo(query.server().uri(), query.queryId())
                    .orElseThrow(() -> new AssertionError(query + " vanished from its coordinator"));
            state = info.path("state").asText();
            if (state.equals("FAILED") || state.equals("FINISHED")) {
                return Map.entry(state, info.path("errorCode").path("name").asText());
            }
            Thread.sleep(100);
        }
        throw new AssertionError(query + " was still " + state + " " + CANCEL_DEADLINE.toSeconds() + " s after the cancel");
    }
}
