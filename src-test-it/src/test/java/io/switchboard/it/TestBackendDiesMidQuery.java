package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A coordinator that dies after accepting a query makes the next poll fail fast instead of hanging or retrying. */
final class TestBackendDiesMidQuery
{
    private static final Duration DEADLINE = Duration.ofSeconds(5);
    private static final String GROUP = "fragile";

    private final TrinoProtocol protocol = new TrinoProtocol();
    private final ExecutorService executor = Executors.newSingleThreadExecutor();
    private final List<GatewayProcess> gateways = new ArrayList<>();

    @AfterEach
    void stopGatewaysAndCheckForLeaks()
            throws InterruptedException
    {
        executor.shutdownNow();
        for (GatewayProcess gateway : gateways) {
            gateway.stopAndVerify();
        }
    }

    @Test
    void nextPollAfterTheBackendDiedGetsAQueryError()
            throws IOException, InterruptedException
    {
        try (FakeTrinoBackend backend = FakeTrinoBackend.start()) {
            GatewayProcess gateway = startGatewayOver(backend, "raw");
            ProtocolResponse queued = protocol.submit(gateway.proxyUri(), "SELECT 1", TrinoProtocol.TRINO_USER);
            assertThat(queued.state()).as(queued.toString()).hasValue("QUEUED");
            assertThat(backend.awaitDeath(DEADLINE)).as("fake backend stopped").isTrue();

            long start = System.nanoTime();
            ProtocolResponse poll = protocol.get(queued.nextUri().orElseThrow(), TrinoProtocol.TRINO_USER);
            Duration took = Duration.ofNanos(System.nanoTime() - start);

            assertThat(took).as("time to answer the poll: " + poll).isLessThan(DEADLINE);
            assertThat(poll).satisfiesAnyOf(
                    response -> {
                        assertThat(response.status()).isEqualTo(200);
                        assertThat(response.state()).hasValue("FAILED");
                        assertThat(response.errorMessage()).hasValueSatisfying(message -> assertThat(message).isNotBlank());
                    },
                    response -> {
                        // 502, 503 and 504 tell clients to retry, which against a dead coordinator never ends
                        assertThat(response.status()).isNotIn(200, 502, 503, 504);
                        assertThat(response.errorMessage()).hasValueSatisfying(message -> assertThat(message).isNotBlank());
                    });
        }
    }

    @Test
    void jdbcQueryFailsWithAnSqlExceptionInsteadOfHanging()
            throws IOException, InterruptedException, ExecutionException, SQLException
    {
        try (FakeTrinoBackend backend = FakeTrinoBackend.start()) {
            GatewayProcess gateway = startGatewayOver(backend, "jdbc");
            try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                    Statement statement = connection.createStatement()) {
                Future<Optional<SQLException>> execution = executor.submit(() -> {
                    try (ResultSet resultSet = statement.executeQuery("SELECT 1")) {
                        while (resultSet.next()) {
                            // a dead coordinator has no rows to give
                        }
                        return Optional.empty();
                    }
                    catch (SQLException e) {
                        return Optional.of(e);
                    }
                });
                assertThat(backend.awaitDeath(Duration.ofSeconds(30))).as("fake backend accepted the query and stopped").isTrue();

                Optional<SQLException> failure;
                try {
                    failure = execution.get(DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                }
                catch (TimeoutException e) {
                    throw new AssertionError("JDBC still waits " + DEADLINE.toSeconds() + " s after the backend died; gateway output:\n"
                            + gateway.outputTail(20), e);
                }
                assertThat(failure).as("what executeQuery threw").isPresent();
            }
        }
    }

    /** The fake as the only cluster: the shared Trino servers must never be killed by a test, so a fake dies instead. */
    private GatewayProcess startGatewayOver(FakeTrinoBackend backend, String label)
            throws IOException, InterruptedException
    {
        GatewayProcess gateway = GatewayProcess.start("TestBackendDiesMidQuery-" + label,
                GatewayConfig.onFreePorts(GROUP, List.of(new GatewayConfig.Cluster("fake-1", backend.uri(), GROUP))));
        gateways.add(gateway);
        gateway.awaitClusterHealth(Map.of("fake-1", true));
        return gateway;
    }
}
