package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
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
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** An operator drains a cluster through the token-protected admin API: running queries finish and new ones go elsewhere. */
// GatewayProcess keeps each gateway's state file next to its config under target/gateways, where a restart finds it
@Timeout(120)
final class TestDrain
{
    private static final String TOKEN = "drain-test-admin-token-0123456789";
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration DRAINED_TIMEOUT = Duration.ofSeconds(10);
    private static final int HELD_QUERIES = 18;
    private static final String HELD_QUERY = "SELECT count(*) FROM tpch.tiny.orders";
    // a few seconds of work: the JDBC client polls it throughout the change of state
    private static final String JDBC_LONG_QUERY = "SELECT count(*) FROM tpch.sf1.orders";
    private static final String SHORT_QUERY = "SELECT count(*) FROM tpch.tiny.region";

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.over("gateway", trino -> GatewayConfig.adhocOver(trino).withAdminToken(TOKEN));
    // its own gateway: a query this test leaves counted in flight must not hold up the other tests
    @RegisterExtension
    static final GatewayExtension CANCEL_GATEWAY = GatewayExtension.over("client-cancel", trino -> GatewayConfig.adhocOver(trino).withAdminToken(TOKEN));

    private final TrinoProtocol protocol = new TrinoProtocol();
    private final List<ProtocolResponse> heldQueries = new ArrayList<>();
    private final ExecutorService jdbcClients = Executors.newFixedThreadPool(2);

    @AfterEach
    void activateTheClusterAndEndLeftoverQueries()
            throws IOException, InterruptedException
    {
        jdbcClients.shutdownNow();
        for (ProtocolResponse held : heldQueries) {
            for (TrinoServer server : GATEWAY.trino().all()) {
                protocol.cancelQuery(server.uri(), held.queryId().orElseThrow());
            }
        }
        for (GatewayExtension gateway : List.of(GATEWAY, CANCEL_GATEWAY)) {
            ProtocolResponse active = gateway.gateway().admin().setState(drainedCluster().name(), "ACTIVE");
            assertThat(active.status()).as(active.toString()).isEqualTo(200);
        }
    }

    @Test
    void drainingClusterFinishesItsRunningQueriesAndTakesNoNewOnes()
            throws Exception
    {
        GATEWAY.gateway().awaitIdleClusters(IDLE_TIMEOUT);
        String runningMarker = QueryMarkers.newMarker("drain-running");
        // slow readers: each client has its first rows and keeps its query open until the test lets it go on
        for (int i = 0; i < HELD_QUERIES; i++) {
            heldQueries.add(protocol.submitAndAwaitFirstRows(GATEWAY.gateway().proxyUri(), "/* " + runningMarker + " */ " + HELD_QUERY,
                    TrinoProtocol.TRINO_USER));
        }
        List<Future<Long>> jdbcQueries = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            jdbcQueries.add(jdbcClients.submit(() -> singleCount("/* " + runningMarker + " */ " + JDBC_LONG_QUERY)));
        }
        int runningOnDrained = awaitRunning(runningMarker, HELD_QUERIES + jdbcQueries.size());
        System.out.printf("TestDrain: %d of %d queries run on %s when it is set DRAINING%n", runningOnDrained, HELD_QUERIES + jdbcQueries.size(),
                drainedCluster().name());
        assertThat(runningOnDrained).as("queries running on %s when it is drained", drainedCluster().name()).isPositive();

        ProtocolResponse draining = admin().setState(drainedCluster().name(), "DRAINING");

        assertThat(draining.status()).as(draining.toString()).isEqualTo(200);
        assertThat(draining.json().path("adminState").asText()).isEqualTo("DRAINING");
        assertThat(admin().cluster(drainedCluster().name()).path("drained").asBoolean()).as("drained while its queries run").isFalse();

        String newMarker = QueryMarkers.newMarker("drain-new");
        for (int i = 0; i < 10; i++) {
            assertThat(singleCount("/* " + newMarker + " */ " + SHORT_QUERY)).isEqualTo(5);
        }
        assertThat(QueryMarkers.runtimeQueries(drainedCluster(), newMarker)).as("new queries on the draining cluster").isEmpty();
        assertThat(QueryMarkers.runtimeQueries(otherCluster(), newMarker)).hasSize(10);
        assertThat(admin().cluster(drainedCluster().name()).path("drained").asBoolean()).as("drained while its queries run").isFalse();

        for (ProtocolResponse held : heldQueries) {
            QueryOutcome outcome = protocol.followToEnd(held, TrinoProtocol.TRINO_USER, UnaryOperator.identity());
            assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
            assertThat(outcome.rows()).singleElement().satisfies(row -> assertThat(row.get(0).asLong()).isEqualTo(15000));
        }
        heldQueries.clear();
        for (Future<Long> jdbcQuery : jdbcQueries) {
            assertThat(jdbcQuery.get(60, TimeUnit.SECONDS)).isEqualTo(1_500_000);
        }
        assertThat(awaitDrained(GATEWAY.gateway(), drainedCluster().name())).as("drained once its last query ended").isTrue();
    }

    @Test
    void clusterIsDrainedOnceItsClientCancelledTheLastQuery()
            throws IOException, InterruptedException
    {
        GatewayProcess gateway = CANCEL_GATEWAY.gateway();
        gateway.awaitIdleClusters(IDLE_TIMEOUT);
        String marker = QueryMarkers.newMarker("drain-cancel");
        ProtocolResponse onDrained = null;
        // least-loaded routing sends the second query to the other cluster if the first did not land on the one to drain
        for (int i = 0; i < 2 && onDrained == null; i++) {
            ProtocolResponse held = protocol.submitAndAwaitFirstRows(gateway.proxyUri(), "/* " + marker + " */ " + HELD_QUERY,
                    TrinoProtocol.TRINO_USER);
            heldQueries.add(held);
            if (protocol.queryInfo(drainedCluster().uri(), held.queryId().orElseThrow()).isPresent()) {
                onDrained = held;
            }
        }
        assertThat(onDrained).as("a query on %s", drainedCluster().name()).isNotNull();
        assertThat(gateway.admin().setState(drainedCluster().name(), "DRAINING").status()).isEqualTo(200);
        assertThat(gateway.admin().cluster(drainedCluster().name()).path("drained").asBoolean()).as("drained while its query runs").isFalse();

        // what a Trino client does to cancel, and what JDBC does when a result set is closed before its end
        ProtocolResponse cancel = protocol.delete(onDrained.nextUri().orElseThrow(), TrinoProtocol.TRINO_USER);

        assertThat(cancel.status()).as(cancel.toString()).isEqualTo(204);
        boolean drained = awaitDrained(gateway, drainedCluster().name());
        JsonNode cluster = gateway.admin().cluster(drainedCluster().name());
        assertThat(drained).as("drained within %d s of the cancel of its last query: %s", DRAINED_TIMEOUT.toSeconds(), cluster).isTrue();
    }

    @Test
    void drainingStateSurvivesAGatewayRestart()
            throws IOException, InterruptedException, SQLException
    {
        ProtocolResponse draining = admin().setState(drainedCluster().name(), "DRAINING");
        assertThat(draining.status()).as(draining.toString()).isEqualTo(200);

        restartGateway();

        assertThat(admin().cluster(drainedCluster().name()).path("adminState").asText()).isEqualTo("DRAINING");
        String marker = QueryMarkers.newMarker("drain-restart");
        for (int i = 0; i < 6; i++) {
            assertThat(singleCount("/* " + marker + " */ " + SHORT_QUERY)).isEqualTo(5);
        }
        assertThat(QueryMarkers.runtimeQueries(drainedCluster(), marker)).as("queries on the draining cluster after the restart").isEmpty();
        assertThat(QueryMarkers.runtimeQueries(otherCluster(), marker)).hasSize(6);
    }

    @Test
    void clusterSetActiveAgainAfterARestartTakesNewQueries()
            throws IOException, InterruptedException, SQLException
    {
        assertThat(admin().setState(drainedCluster().name(), "DRAINING").status()).isEqualTo(200);
        restartGateway();

        ProtocolResponse active = admin().setState(drainedCluster().name(), "ACTIVE");

        assertThat(active.status()).as(active.toString()).isEqualTo(200);
        assertThat(active.json().path("adminState").asText()).isEqualTo("ACTIVE");
        String marker = QueryMarkers.newMarker("drain-active");
        for (int i = 0; i < 10; i++) {
            assertThat(singleCount("/* " + marker + " */ " + SHORT_QUERY)).isEqualTo(5);
        }
        assertThat(QueryMarkers.runtimeQueries(drainedCluster(), marker)).as("queries on the cluster set active again").isNotEmpty();
    }

    @Test
    void callsWithoutTheTokenAreUnauthorizedAndChangeNothing()
            throws IOException, InterruptedException
    {
        AdminApi anonymous = admin().withoutToken();

        assertThat(anonymous.get("/v1/gateway/clusters").status()).isEqualTo(401);
        assertThat(anonymous.get("/v1/gateway/clusters/" + drainedCluster().name()).status()).isEqualTo(401);
        assertThat(anonymous.get("/v1/gateway/queries").status()).isEqualTo(401);
        assertThat(anonymous.setState(drainedCluster().name(), "DISABLED").status()).isEqualTo(401);
        assertThat(anonymous.get("/v1/gateway/health").status()).as("health needs no token").isEqualTo(200);
        assertThat(admin().cluster(drainedCluster().name()).path("adminState").asText()).isEqualTo("ACTIVE");
    }

    @Test
    void callsWithAWrongTokenAreUnauthorizedAndChangeNothing()
            throws IOException, InterruptedException
    {
        AdminApi impostor = admin().withToken("not-the-admin-token-0123456789");

        assertThat(impostor.get("/v1/gateway/clusters").status()).isEqualTo(401);
        assertThat(impostor.setState(drainedCluster().name(), "DISABLED").status()).isEqualTo(401);
        assertThat(admin().cluster(drainedCluster().name()).path("adminState").asText()).isEqualTo("ACTIVE");
    }

    @Test
    void unknownClusterIsNotFound()
            throws IOException, InterruptedException
    {
        ProtocolResponse get = admin().get("/v1/gateway/clusters/trino-nowhere");
        ProtocolResponse put = admin().setState("trino-nowhere", "DRAINING");

        assertThat(get.status()).as(get.toString()).isEqualTo(404);
        assertThat(put.status()).as(put.toString()).isEqualTo(404);
    }

    @Test
    void invalidStateIsABadRequestListingTheAllowedStates()
            throws IOException, InterruptedException
    {
        ProtocolResponse response = admin().setState(drainedCluster().name(), "PAUSED");

        assertThat(response.status()).as(response.toString()).isEqualTo(400);
        assertThat(response.body()).contains("ACTIVE", "DRAINING", "DISABLED");
        assertThat(admin().cluster(drainedCluster().name()).path("adminState").asText()).isEqualTo("ACTIVE");
    }

    /** SIGTERM and a start on the same ports with the same config and state file, then both clusters healthy again. */
    private static void restartGateway()
            throws IOException, InterruptedException
    {
        GATEWAY.gateway().restart();
        GATEWAY.gateway().awaitClusterHealth(Map.of(drainedCluster().name(), true, otherCluster().name(), true));
    }

    /**
     * How many of the marked queries run on the cluster to drain, once all {@code expected} have started somewhere
     * (a held query waits in FINISHING for its client to read the rest).
     */
    private static int awaitRunning(String marker, int expected)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            Map<TrinoServer, List<JsonNode>> queries = QueryMarkers.queriesByServer(GATEWAY.trino(), marker);
            long started = queries.values().stream().flatMap(List::stream)
                    .filter(query -> List.of("RUNNING", "FINISHING", "FINISHED").contains(query.path("state").asText()))
                    .count();
            if (started == expected) {
                return queries.get(drainedCluster()).size();
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not all " + expected + " queries marked " + marker + " run: " + queries);
            }
            Thread.sleep(100);
        }
    }

    private static boolean awaitDrained(GatewayProcess gateway, String clusterId)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + DRAINED_TIMEOUT.toNanos();
        while (!gateway.admin().cluster(clusterId).path("drained").asBoolean()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** Runs a one-row count through the gateway over JDBC, reading the result to its end. */
    private static long singleCount(String sql)
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery(sql)) {
            assertThat(resultSet.next()).isTrue();
            long count = resultSet.getLong(1);
            assertThat(resultSet.next()).isFalse();
            return count;
        }
    }

    private static AdminApi admin()
    {
        return GATEWAY.gateway().admin();
    }

    private static TrinoServer drainedCluster()
    {
        return GATEWAY.trino().first();
    }

    private static TrinoServer otherCluster()
    {
        return GATEWAY.trino().second();
    }
}
