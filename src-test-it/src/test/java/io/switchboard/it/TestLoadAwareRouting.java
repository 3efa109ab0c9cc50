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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Least-loaded routing, the default policy: new queries avoid a busy cluster and split in proportion to capacity. */
@Timeout(120)
final class TestLoadAwareRouting
{
    private static final Duration IDLE_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration LOAD_SEEN_TIMEOUT = Duration.ofSeconds(15);

    // Generating 600 million lineitem rows takes minutes: these are still running when the burst has ended, and are
    // cancelled then. (Long queries whose client stops reading a large result would spare the CPU, but each holds
    // Trino's output and exchange buffers, and six of them ran a 1 GB coordinator out of heap.)
    private static final int LONG_QUERIES_ON_TRINO_A = 5;
    private static final String LONG_QUERY = "SELECT count(*) FROM tpch.sf100.lineitem";
    private static final int SHORT_QUERIES = 20;
    private static final String SHORT_QUERY = "SELECT count(*) FROM tpch.tiny.region";

    private static final int CAPACITY_A = 20;
    private static final int CAPACITY_B = 10;
    private static final int CONCURRENT_QUERIES = 30;
    private static final String CONCURRENT_QUERY = "SELECT count(*) FROM tpch.tiny.orders";

    @RegisterExtension
    static final GatewayExtension EQUAL_CAPACITY = GatewayExtension.overSharedTrino("equal-capacity");

    @RegisterExtension
    static final GatewayExtension TWO_TO_ONE = GatewayExtension.over("two-to-one", trino -> GatewayConfig.onFreePorts("adhoc", List.of(
            new GatewayConfig.Cluster(trino.first().name(), trino.first().uri(), "adhoc").withCapacity(CAPACITY_A),
            new GatewayConfig.Cluster(trino.second().name(), trino.second().uri(), "adhoc").withCapacity(CAPACITY_B))));

    private final TrinoProtocol protocol = new TrinoProtocol();

    @Test
    void burstOfShortQueriesAvoidsTheClusterBusyWithLongQueries()
            throws IOException, InterruptedException, SQLException
    {
        GatewayProcess gateway = EQUAL_CAPACITY.gateway();
        TrinoServer busy = EQUAL_CAPACITY.trino().first();
        TrinoServer idle = EQUAL_CAPACITY.trino().second();
        gateway.awaitIdleClusters(IDLE_TIMEOUT);
        String longMarker = QueryMarkers.newMarker("load-long");
        List<String> longQueryIds = new ArrayList<>();
        try {
            // straight to trino-a, not through the gateway: another gateway replica or a direct user made it busy
            for (int i = 0; i < LONG_QUERIES_ON_TRINO_A; i++) {
                ProtocolResponse running = protocol.submitAndAwaitRunning(busy.uri(), "/* " + longMarker + " */ " + LONG_QUERY, TrinoProtocol.TRINO_USER);
                assertThat(running.state()).as(running.toString()).hasValue("RUNNING");
                longQueryIds.add(running.queryId().orElseThrow());
            }
            String seen = awaitProbedLoad(gateway, busy.name(), LONG_QUERIES_ON_TRINO_A);
            String marker = QueryMarkers.newMarker("load-burst");

            try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                    Statement statement = connection.createStatement()) {
                for (int i = 0; i < SHORT_QUERIES; i++) {
                    // read to the end: a result set closed earlier cancels its query
                    try (ResultSet resultSet = statement.executeQuery("/* " + marker + " */ " + SHORT_QUERY)) {
                        assertThat(resultSet.next()).isTrue();
                        assertThat(resultSet.getLong(1)).isEqualTo(5);
                        assertThat(resultSet.next()).isFalse();
                    }
                }
            }

            Map<TrinoServer, List<JsonNode>> ran = QueryMarkers.queriesByServer(EQUAL_CAPACITY.trino(), marker);
            int onBusy = ran.get(busy).size();
            int onIdle = ran.get(idle).size();
            System.out.printf("TestLoadAwareRouting busy cluster: %s had %d long queries (gateway saw %s); burst of %d short queries: %s %d, %s %d%n",
                    busy.name(), LONG_QUERIES_ON_TRINO_A, seen, SHORT_QUERIES, busy.name(), onBusy, idle.name(), onIdle);
            assertThat(onBusy + onIdle).as("short queries run").isEqualTo(SHORT_QUERIES);
            assertThat(onIdle).as("short queries on the idle cluster " + idle.name() + " (%d on the busy one)", onBusy).isGreaterThanOrEqualTo(15);
        }
        finally {
            for (String queryId : longQueryIds) {
                protocol.cancelQuery(busy.uri(), queryId);
            }
        }
    }

    @Test
    void concurrentQueriesSplitInProportionToCapacity()
            throws Exception
    {
        GatewayProcess gateway = TWO_TO_ONE.gateway();
        TrinoServer larger = TWO_TO_ONE.trino().first();
        TrinoServer smaller = TWO_TO_ONE.trino().second();
        gateway.awaitIdleClusters(IDLE_TIMEOUT);
        String marker = QueryMarkers.newMarker("load-capacity");
        CountDownLatch start = new CountDownLatch(1);
        CountDownLatch allRunning = new CountDownLatch(CONCURRENT_QUERIES);
        CountDownLatch release = new CountDownLatch(1);
        ExecutorService clients = Executors.newFixedThreadPool(CONCURRENT_QUERIES);
        try {
            List<Future<QueryOutcome>> outcomes = new ArrayList<>();
            for (int i = 0; i < CONCURRENT_QUERIES; i++) {
                outcomes.add(clients.submit(() -> {
                    start.await();
                    // each client reads its first rows, then keeps its query open until every client got that far:
                    // all thirty queries are in flight together, as long-running ones would be
                    ProtocolResponse firstRows = protocol.submitAndAwaitFirstRows(gateway.proxyUri(), "/* " + marker + " */ " + CONCURRENT_QUERY,
                            TrinoProtocol.TRINO_USER);
                    allRunning.countDown();
                    release.await();
                    return protocol.followToEnd(firstRows, TrinoProtocol.TRINO_USER, UnaryOperator.identity());
                }));
            }
            start.countDown();
            assertThat(allRunning.await(60, TimeUnit.SECONDS)).as("all %d clients have their first rows", CONCURRENT_QUERIES).isTrue();

            Map<TrinoServer, List<JsonNode>> ran = QueryMarkers.queriesByServer(TWO_TO_ONE.trino(), marker);
            int onLarger = ran.get(larger).size();
            int onSmaller = ran.get(smaller).size();
            System.out.printf("TestLoadAwareRouting capacity %d:%d, %d concurrent queries: %s %d, %s %d; gateway in flight: %s%n",
                    CAPACITY_A, CAPACITY_B, CONCURRENT_QUERIES, larger.name(), onLarger, smaller.name(), onSmaller, inFlight(gateway));
            release.countDown();
            for (Future<QueryOutcome> outcome : outcomes) {
                QueryOutcome finished = outcome.get(60, TimeUnit.SECONDS);
                assertThat(finished.finalState()).as(finished.toString()).isEqualTo("FINISHED");
                assertThat(finished.rows()).singleElement().satisfies(row -> assertThat(row.get(0).asLong()).isEqualTo(15000));
            }

            assertThat(onLarger + onSmaller).as("queries run").isEqualTo(CONCURRENT_QUERIES);
            assertThat(onLarger).as("queries on %s with capacity %d (%d on %s with capacity %d)", larger.name(), CAPACITY_A, onSmaller, smaller.name(), CAPACITY_B)
                    .isBetween(16, 24);
        }
        finally {
            release.countDown();
            clients.shutdownNow();
            if (!clients.awaitTermination(30, TimeUnit.SECONDS)) {
                throw new AssertionError("clients still running 30 s after the test");
            }
        }
    }

    /** The cluster's probed load, once the gateway's load probe counts at least {@code queries} queued or running. */
    private static String awaitProbedLoad(GatewayProcess gateway, String clusterId, int queries)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + LOAD_SEEN_TIMEOUT.toNanos();
        JsonNode cluster = gateway.admin().cluster(clusterId);
        while (cluster.path("queuedQueries").asInt() + cluster.path("runningQueries").asInt() < queries) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the gateway did not see " + queries + " queries on " + clusterId + " within "
                        + LOAD_SEEN_TIMEOUT.toSeconds() + " s: " + cluster);
            }
            Thread.sleep(100);
            cluster = gateway.admin().cluster(clusterId);
        }
        return "queued=" + cluster.path("queuedQueries").asInt() + " running=" + cluster.path("runningQueries").asInt();
    }

    private static String inFlight(GatewayProcess gateway)
            throws IOException, InterruptedException
    {
        List<String> parts = new ArrayList<>();
        for (JsonNode cluster : gateway.clusters()) {
            parts.add(cluster.path("id").asText() + "=" + cluster.path("inFlightThroughGateway").asInt());
        }
        return String.join(", ", parts);
    }
}
