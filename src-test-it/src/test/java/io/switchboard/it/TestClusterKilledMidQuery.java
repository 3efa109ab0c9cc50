package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.trino.jdbc.TrinoResultSet;
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
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A coordinator killed with SIGKILL while 20 JDBC queries stream from two clusters, and 100 new submissions arrive
 * during and after the kill: the queries on the killed cluster fail fast with a Trino query error naming it, the others
 * finish, and every submission sent after the kill succeeds (failover before the health check notices, then no routing
 * there at all). A submission in flight at the kill that the killed coordinator had already accepted ran there, and
 * fails with it like the other queries on it.
 */
// The shared coordinators are never killed: a third one is started for this class.
@ExtendWith(SharedTrinoServers.class)
@Timeout(300)
final class TestClusterKilledMidQuery
{
    private static final String GROUP = "killable";
    private static final String DOOMED = "trino-k";
    private static final int STREAMING = 20;
    private static final int SUBMITS = 100;
    private static final int SUBMIT_CLIENTS = 4;
    private static final int SUBMITS_BEFORE_KILL = 8;
    private static final Duration FAILURE_DEADLINE = Duration.ofSeconds(5);
    private static final String LONG_SQL = "SELECT orderkey, partkey, comment FROM tpch.tiny.lineitem";
    private static final long LONG_ROWS = 60_175;
    private static final int ROWS_BEFORE_KILL = 1000;
    private static final String SHORT_SQL = "SELECT count(*) FROM tpch.tiny.nation";

    /** One query as its client saw it; times are {@link System#nanoTime()}. */
    private record Outcome(String queryId, long startNanos, long endNanos, Optional<String> error) {}

    private static TrinoServer doomed;
    private static TrinoServer survivor;
    private static GatewayProcess gateway;
    private static long killedNanos;
    private static List<Outcome> streamed;
    private static List<Outcome> submitted;
    private static final AtomicInteger submittedBeforeKill = new AtomicInteger();

    @BeforeAll
    static void killACoordinatorUnderLoad(TrinoServers trino)
            throws Exception
    {
        survivor = trino.second();
        doomed = TrinoServer.launch(DOOMED, ItEnvironment.workDirectory().resolve("trino-instances"), TrinoServer.freePort());
        doomed.awaitReady(Duration.ofSeconds(120));
        // taking turns puts ten of the twenty streaming queries on each cluster
        gateway = GatewayProcess.start("TestClusterKilledMidQuery", GatewayConfig.onFreePorts(GROUP, List.of(
                        new GatewayConfig.Cluster(DOOMED, doomed.uri(), GROUP),
                        new GatewayConfig.Cluster(survivor.name(), survivor.uri(), GROUP)))
                .withGroupPolicy(GROUP, "weighted-round-robin"));
        gateway.awaitClusterHealth(Map.of(DOOMED, true, survivor.name(), true));

        ExecutorService clients = Executors.newFixedThreadPool(STREAMING + SUBMIT_CLIENTS);
        CountDownLatch streaming = new CountDownLatch(STREAMING);
        CountDownLatch killed = new CountDownLatch(1);
        CountDownLatch submitsStarted = new CountDownLatch(SUBMITS_BEFORE_KILL);
        try {
            List<Future<Outcome>> longQueries = new ArrayList<>();
            for (int i = 0; i < STREAMING; i++) {
                longQueries.add(clients.submit(() -> stream(streaming, killed)));
            }
            assertThat(streaming.await(120, TimeUnit.SECONDS)).as("all %d queries streaming", STREAMING).isTrue();

            AtomicInteger next = new AtomicInteger();
            List<Future<List<Outcome>>> submitters = new ArrayList<>();
            for (int i = 0; i < SUBMIT_CLIENTS; i++) {
                submitters.add(clients.submit(() -> submitUntilDone(next, submitsStarted, killed)));
            }
            assertThat(submitsStarted.await(60, TimeUnit.SECONDS)).isTrue();
            doomed.kill();
            killedNanos = System.nanoTime();
            killed.countDown();

            streamed = new ArrayList<>();
            for (Future<Outcome> query : longQueries) {
                streamed.add(query.get(180, TimeUnit.SECONDS));
            }
            submitted = new ArrayList<>();
            for (Future<List<Outcome>> submitter : submitters) {
                submitted.addAll(submitter.get(180, TimeUnit.SECONDS));
            }
        }
        finally {
            killed.countDown();
            clients.shutdownNow();
        }
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
    void theStreamingQueriesWereSpreadOverBothClusters()
    {
        assertThat(onDoomed()).as("streaming queries on %s", DOOMED).isNotEmpty();
        assertThat(streamed.size() - onDoomed().size()).as("streaming queries on %s", survivor.name()).isPositive();
    }

    @Test
    void queriesOnTheKilledClusterFailWithinSecondsWithAQueryErrorNamingIt()
    {
        assertThat(onDoomed()).allSatisfy(outcome -> {
            assertThat(outcome.error()).as("query %s", outcome.queryId()).isPresent();
            assertThat(outcome.error().orElseThrow()).startsWith("Query failed").contains(DOOMED);
            assertThat(Duration.ofNanos(outcome.endNanos() - killedNanos)).as("from the kill to the error of %s", outcome.queryId()).isLessThan(FAILURE_DEADLINE);
        });
    }

    @Test
    void queriesOnTheSurvivingClusterFinish()
    {
        assertThat(streamed).filteredOn(outcome -> !onDoomed().contains(outcome))
                .allSatisfy(outcome -> assertThat(outcome.error()).as("query %s", outcome.queryId()).isEmpty());
    }

    @Test
    void everySubmissionAfterTheKillSucceeds()
    {
        assertThat(submitted).hasSize(SUBMITS);
        List<Outcome> afterTheKill = submitted.stream().filter(outcome -> outcome.startNanos() > killedNanos).toList();
        assertThat(afterTheKill).as("submissions sent after the kill").hasSizeGreaterThan(SUBMITS / 2);
        assertThat(afterTheKill).allSatisfy(outcome -> assertThat(outcome.error()).as("submission %s", outcome.queryId()).isEmpty());
    }

    @Test
    void aSubmissionInFlightAtTheKillFailsOnlyIfTheKilledClusterHadAcceptedIt()
    {
        // a submission the killed coordinator had already answered is a query on that coordinator: it died with it
        assertThat(submitted).filteredOn(outcome -> outcome.startNanos() <= killedNanos && outcome.error().isPresent())
                .allSatisfy(outcome -> {
                    assertThat(clusterOf(outcome.queryId())).as("cluster of failed submission %s", outcome.queryId()).isEqualTo(DOOMED);
                    assertThat(outcome.error().orElseThrow()).startsWith("Query failed").contains(DOOMED);
                });
    }

    private static List<Outcome> onDoomed()
    {
        // Trino's query ids end with the coordinator's node-specific suffix only by chance: ask the gateway instead
        return streamed.stream().filter(outcome -> clusterOf(outcome.queryId()).equals(DOOMED)).toList();
    }

    private static final Map<String, String> CLUSTERS = new java.util.concurrent.ConcurrentHashMap<>();

    private static String clusterOf(String queryId)
    {
        if (CLUSTERS.isEmpty()) {
            try {
                ProtocolResponse response = gateway.admin().get("/v1/gateway/queries?limit=1000");
                for (com.fasterxml.jackson.databind.JsonNode query : response.json()) {
                    CLUSTERS.put(query.path("queryId").asText(), query.path("cluster").asText());
                }
            }
            catch (Exception e) {
                throw new AssertionError("cannot list the gateway's queries", e);
            }
        }
        return CLUSTERS.getOrDefault(queryId, "unknown");
    }

    /** A long query read to its end, pausing after its first rows until the kill. */
    private static Outcome stream(CountDownLatch streaming, CountDownLatch killed)
    {
        String queryId = "unknown";
        long start = System.nanoTime();
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(LONG_SQL)) {
            queryId = rows.unwrap(TrinoResultSet.class).getQueryId();
            long count = 0;
            while (rows.next()) {
                count++;
                if (count == ROWS_BEFORE_KILL) {
                    streaming.countDown();
                    killed.await(120, TimeUnit.SECONDS);
                }
            }
            return new Outcome(queryId, start, System.nanoTime(), count == LONG_ROWS ? Optional.empty() : Optional.of("read " + count + " rows instead of " + LONG_ROWS));
        }
        catch (SQLException e) {
            streaming.countDown();
            return new Outcome(queryIdOf(queryId, e), start, System.nanoTime(), Optional.of(String.valueOf(e.getMessage())));
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Outcome(queryId, start, System.nanoTime(), Optional.of("interrupted"));
        }
    }

    /** The id the result set gave, or else the one the driver's message names: a query that failed at its first poll never opened one. */
    private static String queryIdOf(String known, SQLException failure)
    {
        java.util.regex.Matcher named = java.util.regex.Pattern.compile("Query failed \\(#([0-9a-z_]+)\\)").matcher(String.valueOf(failure.getMessage()));
        return !known.equals("unknown") || !named.find() ? known : named.group(1);
    }

    /** Short queries until {@link #SUBMITS} have been sent by all clients together. */
    private static List<Outcome> submitUntilDone(AtomicInteger next, CountDownLatch started, CountDownLatch killed)
    {
        List<Outcome> outcomes = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl())) {
            for (int index = next.getAndIncrement(); index < SUBMITS; index = next.getAndIncrement()) {
                String queryId = "unknown";
                long start = System.nanoTime();
                try (Statement statement = connection.createStatement();
                        ResultSet rows = statement.executeQuery(SHORT_SQL)) {
                    queryId = rows.unwrap(TrinoResultSet.class).getQueryId();
                    rows.next();
                    long count = rows.getLong(1);
                    outcomes.add(new Outcome(queryId, start, System.nanoTime(), count == 25 ? Optional.empty() : Optional.of("count " + count)));
                }
                catch (SQLException e) {
                    outcomes.add(new Outcome(queryIdOf(queryId, e), start, System.nanoTime(), Optional.of(String.valueOf(e.getMessage()))));
                }
                if (killed.getCount() > 0) {
                    submittedBeforeKill.incrementAndGet();
                }
                started.countDown();
            }
        }
        catch (SQLException e) {
            outcomes.add(new Outcome("unknown", 0, System.nanoTime(), Optional.of("cannot connect: " + e.getMessage())));
        }
        return outcomes;
    }

    private static void printSummary()
    {
        long doomedFailed = onDoomed().stream().filter(outcome -> outcome.error().isPresent()).count();
        long survivorFinished = streamed.stream().filter(outcome -> !onDoomed().contains(outcome) && outcome.error().isEmpty()).count();
        long slowest = onDoomed().stream().mapToLong(outcome -> Duration.ofNanos(outcome.endNanos() - killedNanos).toMillis()).max().orElse(-1);
        long submitsOk = submitted.stream().filter(outcome -> outcome.error().isEmpty()).count();
        long sentAfter = submitted.stream().filter(outcome -> outcome.startNanos() > killedNanos).count();
        long sentAfterOk = submitted.stream().filter(outcome -> outcome.startNanos() > killedNanos && outcome.error().isEmpty()).count();
        System.out.printf("TestClusterKilledMidQuery: %s killed with SIGKILL under %d streaming queries (%d on it, %d on %s)%n", DOOMED, STREAMING, onDoomed().size(),
                streamed.size() - onDoomed().size(), survivor.name());
        System.out.printf("  on %s: %d failed with a query error, the last %d ms after the kill; on %s: %d finished%n", DOOMED, doomedFailed, slowest,
                survivor.name(), survivorFinished);
        System.out.printf("  new submissions: %d of %d succeeded (%d ended before the kill; of the %d sent after it, %d succeeded); gateway log: %d submit_failover lines%n",
                submitsOk, submitted.size(), submittedBeforeKill.get(), sentAfter, sentAfterOk,
                gateway.output().lines().filter(line -> line.contains("submit_failover")).count());
        streamed.stream().filter(outcome -> outcome.error().isPresent()).forEach(outcome -> System.out.println("  " + outcome.queryId() + ": " + outcome.error().get()));
        submitted.stream().filter(outcome -> outcome.error().isPresent()).forEach(outcome -> System.out.println("  submission " + outcome.queryId() + ": "
                + outcome.error().get()));
    }
}
