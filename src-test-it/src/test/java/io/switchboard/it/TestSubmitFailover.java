package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trino.jdbc.TrinoResultSet;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/** A coordinator killed during a burst of JDBC queries fails only the queries it ran; later submissions go elsewhere. */
// The shared coordinators are never killed: a third one is started for this class. A coordinator dies only once, so the
// kill happens before the tests, and each test checks one consequence of it.
@ExtendWith(SharedTrinoServers.class)
@Timeout(60)
final class TestSubmitFailover
{
    private static final String GROUP = "failover";
    private static final String DOOMED = "trino-c";
    private static final int CLIENTS = 4;
    private static final int QUERIES = 40;
    private static final int KILL_AFTER_COMPLETED = 14;
    private static final Duration FAILURE_DEADLINE = Duration.ofSeconds(5);
    private static final Duration UNHEALTHY_DEADLINE = Duration.ofSeconds(5);
    private static final String SHORT_QUERY = "SELECT count(*) FROM tpch.tiny.nation";
    // generating 600 million lineitem rows takes minutes: still running when its coordinator dies
    private static final String LONG_QUERY = "SELECT count(*) FROM tpch.sf100.lineitem";

    private static TrinoServer doomed;
    private static TrinoServer survivor;
    private static GatewayProcess gateway;
    private static Scenario scenario;

    /** One JDBC query as its client saw it; times are {@link System#nanoTime()}. */
    private record Submission(int index, long startNanos, long endNanos, Optional<String> queryId, Optional<String> error)
    {
        boolean succeeded()
        {
            return error.isEmpty();
        }
    }

    /** What happened around the kill, for the tests to judge. */
    private record Scenario(
            long killStartNanos,
            long killedNanos,
            List<Submission> burst,
            Submission longQuery,
            OptionalLong unhealthyNanos,
            Map<String, String> clusterOfQuery)
    {
        List<Submission> submittedAfterKill()
        {
            return burst.stream().filter(submission -> submission.startNanos() > killedNanos).toList();
        }

        List<Submission> inFlightAtKill()
        {
            return burst.stream().filter(submission -> submission.startNanos() <= killedNanos && submission.endNanos() >= killStartNanos).toList();
        }

        List<Submission> completedBeforeKill()
        {
            return burst.stream().filter(submission -> submission.endNanos() < killStartNanos).toList();
        }

        long millisAfterKill(long nanos)
        {
            return Duration.ofNanos(nanos - killedNanos).toMillis();
        }
    }

    @BeforeAll
    @Timeout(300)
    static void killACoordinatorInTheMiddleOfABurst(TrinoServers trino)
            throws Exception
    {
        survivor = trino.second();
        doomed = TrinoServer.launch(DOOMED, ItEnvironment.workDirectory().resolve("trino-instances"), TrinoServer.freePort());
        doomed.awaitReady(Duration.ofSeconds(120));
        gateway = GatewayProcess.start("TestSubmitFailover-gateway", GatewayConfig.onFreePorts(GROUP, List.of(
                new GatewayConfig.Cluster(DOOMED, doomed.uri(), GROUP),
                new GatewayConfig.Cluster(survivor.name(), survivor.uri(), GROUP))));
        gateway.awaitClusterHealth(Map.of(DOOMED, true, survivor.name(), true));
        scenario = runScenario();
        printSummary();
    }

    @AfterAll
    static void stopTheGatewayAndTheThirdCoordinator()
            throws InterruptedException
    {
        try {
            if (gateway != null) {
                gateway.stopAndVerify();
            }
        }
        finally {
            if (doomed != null) {
                doomed.close();
            }
        }
    }

    @Test
    void everyQuerySubmittedAfterTheKillSucceeds()
    {
        assertThat(scenario.submittedAfterKill()).as("queries submitted after the kill").hasSizeGreaterThanOrEqualTo(10);
        assertThat(scenario.submittedAfterKill()).allSatisfy(submission -> assertThat(submission.error()).as("query %d", submission.index()).isEmpty());
    }

    @Test
    void queriesSubmittedAfterTheKillRunOnTheSurvivingCluster()
    {
        assertThat(scenario.submittedAfterKill()).allSatisfy(submission -> assertThat(scenario.clusterOfQuery().get(submission.queryId().orElseThrow()))
                .as("cluster of query %d (%s)", submission.index(), submission.queryId().orElseThrow())
                .isEqualTo(survivor.name()));
    }

    @Test
    void longQueryOnTheKilledClusterFailsWithinSecondsNamingIt()
    {
        Submission longQuery = scenario.longQuery();

        assertThat(longQuery.error()).as("what the long query's client saw").isPresent();
        assertThat(scenario.millisAfterKill(longQuery.endNanos())).as("ms from the kill to the client's error: " + longQuery.error().orElseThrow())
                .isLessThan(FAILURE_DEADLINE.toMillis());
        assertThat(longQuery.error().orElseThrow()).contains(DOOMED);
    }

    @Test
    void burstQueriesThatFailedDidSoWithinSecondsNamingTheKilledCluster()
    {
        assertThat(scenario.burst().stream().filter(submission -> !submission.succeeded()))
                .allSatisfy(submission -> {
                    assertThat(scenario.millisAfterKill(submission.endNanos())).as("ms from the kill to the error of query %d: %s", submission.index(),
                            submission.error().orElseThrow()).isLessThan(FAILURE_DEADLINE.toMillis());
                    assertThat(submission.error().orElseThrow()).contains(DOOMED);
                });
    }

    @Test
    void adminApiReportsTheKilledClusterUnhealthyWithinSeconds()
    {
        assertThat(scenario.unhealthyNanos()).as("the admin API reported %s unhealthy", DOOMED).isPresent();
        assertThat(scenario.millisAfterKill(scenario.unhealthyNanos().getAsLong())).isLessThan(UNHEALTHY_DEADLINE.toMillis());
    }

    private static Scenario runScenario()
            throws Exception
    {
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS + 4);
        try {
            Future<Submission> longQuery = startLongQueryOnTheDoomedCluster(clients);

            AtomicInteger nextIndex = new AtomicInteger();
            AtomicInteger completed = new AtomicInteger();
            CountDownLatch killNow = new CountDownLatch(1);
            String marker = QueryMarkers.newMarker("failover-burst");
            List<Future<List<Submission>>> burst = new ArrayList<>();
            for (int client = 0; client < CLIENTS; client++) {
                burst.add(clients.submit(() -> {
                    List<Submission> submissions = new ArrayList<>();
                    try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl())) {
                        for (int index = nextIndex.getAndIncrement(); index < QUERIES; index = nextIndex.getAndIncrement()) {
                            submissions.add(run(connection, index, "/* " + marker + " */ " + SHORT_QUERY, 25));
                            if (completed.incrementAndGet() == KILL_AFTER_COMPLETED) {
                                killNow.countDown();
                            }
                        }
                    }
                    return submissions;
                }));
            }
            if (!killNow.await(120, TimeUnit.SECONDS)) {
                throw new AssertionError("the burst did not complete " + KILL_AFTER_COMPLETED + " queries within 120 s");
            }
            long killStart = System.nanoTime();
            doomed.kill();
            long killed = System.nanoTime();
            OptionalLong unhealthy = awaitUnhealthy(DOOMED);

            List<Submission> submissions = new ArrayList<>();
            for (Future<List<Submission>> client : burst) {
                submissions.addAll(client.get(120, TimeUnit.SECONDS));
            }
            Submission longQueryOutcome;
            try {
                longQueryOutcome = longQuery.get(30, TimeUnit.SECONDS);
            }
            catch (TimeoutException e) {
                longQueryOutcome = new Submission(-1, 0, System.nanoTime(), Optional.empty(), Optional.of("still waiting 30 s after the kill"));
            }
            return new Scenario(killStart, killed, submissions, longQueryOutcome, unhealthy, clusterOfEveryQuery());
        }
        finally {
            clients.shutdownNow();
        }
    }

    /**
     * Starts the long query through the gateway until one lands on the doomed cluster: one left running on the
     * survivor makes the next go to the doomed one, as least-loaded routing prefers the idle cluster. Those on the
     * survivor are cancelled there once one runs on the doomed cluster.
     */
    private static Future<Submission> startLongQueryOnTheDoomedCluster(ExecutorService clients)
            throws Exception
    {
        TrinoProtocol protocol = new TrinoProtocol();
        List<Future<Submission>> onSurvivor = new ArrayList<>();
        List<String> survivorQueryIds = new ArrayList<>();
        try {
            for (int attempt = 0; attempt < 4; attempt++) {
                String marker = QueryMarkers.newMarker("failover-long");
                Future<Submission> submission = clients.submit(() -> {
                    try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl())) {
                        return run(connection, -1, "/* " + marker + " */ " + LONG_QUERY, -1);
                    }
                });
                Map.Entry<TrinoServer, String> running = awaitRunning(marker);
                if (running.getKey() == doomed) {
                    return submission;
                }
                onSurvivor.add(submission);
                survivorQueryIds.add(running.getValue());
            }
            throw new AssertionError("4 long queries in a row ran on " + survivor.name() + ", none on " + DOOMED);
        }
        finally {
            for (String queryId : survivorQueryIds) {
                protocol.cancelQuery(survivor.uri(), queryId);
            }
            for (Future<Submission> cancelled : onSurvivor) {
                cancelled.get(30, TimeUnit.SECONDS);
            }
        }
    }

    /** The server running the marked query and its id, once it runs. */
    private static Map.Entry<TrinoServer, String> awaitRunning(String marker)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            for (Map.Entry<TrinoServer, List<JsonNode>> entry : QueryMarkers.queriesByServer(List.of(doomed, survivor), marker).entrySet()) {
                for (JsonNode query : entry.getValue()) {
                    if (query.path("state").asText().equals("RUNNING")) {
                        return Map.entry(entry.getKey(), query.path("queryId").asText());
                    }
                }
            }
            Thread.sleep(100);
        }
        throw new AssertionError("the query marked " + marker + " did not run within 60 s");
    }

    /** One query over the client's JDBC connection, read to its end; {@code expected} -1 accepts any count. */
    private static Submission run(Connection connection, int index, String sql, long expected)
    {
        long start = System.nanoTime();
        Optional<String> queryId = Optional.empty();
        try (Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery(sql)) {
            queryId = Optional.of(resultSet.unwrap(TrinoResultSet.class).getQueryId());
            boolean hasRow = resultSet.next();
            long count = hasRow ? resultSet.getLong(1) : -1;
            boolean more = resultSet.next();
            if (!hasRow || more || (expected >= 0 && count != expected)) {
                return new Submission(index, start, System.nanoTime(), queryId, Optional.of("wrong result: " + count + (more ? " and more rows" : "")));
            }
            return new Submission(index, start, System.nanoTime(), queryId, Optional.empty());
        }
        catch (SQLException e) {
            return new Submission(index, start, System.nanoTime(), queryId, Optional.of(describe(e)));
        }
    }

    private static String describe(Throwable failure)
    {
        StringBuilder text = new StringBuilder(String.valueOf(failure.getMessage()));
        for (Throwable cause = failure.getCause(); cause != null && cause != cause.getCause(); cause = cause.getCause()) {
            text.append(" <- ").append(cause.getClass().getSimpleName()).append(": ").append(cause.getMessage());
        }
        return text.toString();
    }

    /** When the admin API first reported the cluster unhealthy, polling for twice the deadline. */
    private static OptionalLong awaitUnhealthy(String clusterId)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + UNHEALTHY_DEADLINE.multipliedBy(2).toNanos();
        while (System.nanoTime() < deadline) {
            JsonNode cluster = gateway.admin().cluster(clusterId);
            if (cluster.path("healthy").isBoolean() && !cluster.path("healthy").asBoolean()) {
                return OptionalLong.of(System.nanoTime());
            }
            Thread.sleep(50);
        }
        return OptionalLong.empty();
    }

    /** Query id to cluster, as the gateway's query history lists them. */
    private static Map<String, String> clusterOfEveryQuery()
            throws IOException, InterruptedException
    {
        ProtocolResponse response = gateway.admin().get("/v1/gateway/queries?limit=1000");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        Map<String, String> clusters = new HashMap<>();
        for (JsonNode query : response.json()) {
            clusters.put(query.path("queryId").asText(), query.path("cluster").asText());
        }
        return clusters;
    }

    private static void printSummary()
    {
        System.out.printf("TestSubmitFailover: %d queries from %d JDBC clients, %s killed after %d had completed%n", QUERIES, CLIENTS, DOOMED, KILL_AFTER_COMPLETED);
        describeGroup("completed before the kill", scenario.completedBeforeKill());
        describeGroup("in flight at the kill", scenario.inFlightAtKill());
        describeGroup("submitted after the kill", scenario.submittedAfterKill());
        Submission longQuery = scenario.longQuery();
        System.out.printf("  long query on %s: %s %d ms after the kill%n", DOOMED, longQuery.error().map(error -> "failed (" + error + ")").orElse("succeeded"),
                scenario.millisAfterKill(longQuery.endNanos()));
        System.out.printf("  admin API: %s%n", scenario.unhealthyNanos().isPresent()
                ? DOOMED + " unhealthy " + scenario.millisAfterKill(scenario.unhealthyNanos().getAsLong()) + " ms after the kill"
                : DOOMED + " still healthy " + UNHEALTHY_DEADLINE.multipliedBy(2).toSeconds() + " s after the kill");
        System.out.printf("  gateway log: %d submit_failover lines%n", gateway.output().lines().filter(line -> line.contains("submit_failover")).count());
    }

    private static void describeGroup(String label, List<Submission> submissions)
    {
        Map<String, Integer> byCluster = new HashMap<>();
        List<String> errors = new ArrayList<>();
        for (Submission submission : submissions) {
            if (submission.succeeded()) {
                byCluster.merge(scenario.clusterOfQuery().getOrDefault(submission.queryId().orElseThrow(), "unknown"), 1, Integer::sum);
            }
            else {
                errors.add("query " + submission.index() + " after " + scenario.millisAfterKill(submission.endNanos()) + " ms: " + submission.error().orElseThrow());
            }
        }
        System.out.printf("  %s: %d, succeeded %s, failed %d%n", label, submissions.size(), byCluster, errors.size());
        errors.forEach(error -> System.out.println("    " + error));
    }
}
