package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The gateway killed with SIGKILL while 20 JDBC queries stream their results through it, then started again on the
 * same ports with the same token secret: every query's next poll carries a routing token that the new process decodes
 * without any state from the old one, so every query whose cluster still runs completes.
 */
@ExtendWith(SharedTrinoServers.class)
@Timeout(300)
final class TestGatewayKilledMidQuery
{
    private static final int QUERIES = 20;
    private static final String SQL = "SELECT orderkey, partkey, comment FROM tpch.tiny.lineitem";
    private static final long ROWS = 60_175;
    /** Rows each client reads before the kill: the rest, megabytes per query, still waits at its coordinator. */
    private static final int ROWS_BEFORE_KILL = 1000;

    private static GatewayProcess gateway;
    private static List<Optional<String>> outcomes;
    private static long downMillis;

    @BeforeAll
    static void killTheGatewayWhileQueriesStream(TrinoServers trino)
            throws Exception
    {
        gateway = GatewayProcess.start("TestGatewayKilledMidQuery", GatewayConfig.adhocOver(trino).withTokenSecret("a-secret-every-replica-shares"));
        gateway.awaitClusterHealth(java.util.Map.of(trino.first().name(), true, trino.second().name(), true));
        ExecutorService clients = Executors.newFixedThreadPool(QUERIES);
        CountDownLatch streaming = new CountDownLatch(QUERIES);
        CountDownLatch restarted = new CountDownLatch(1);
        try {
            List<Future<Optional<String>>> queries = new ArrayList<>();
            for (int i = 0; i < QUERIES; i++) {
                queries.add(clients.submit(() -> run(streaming, restarted)));
            }
            assertThat(streaming.await(120, TimeUnit.SECONDS)).as("all %d queries streaming", QUERIES).isTrue();

            long killed = System.nanoTime();
            gateway.kill();
            gateway.startAgain();
            downMillis = Duration.ofNanos(System.nanoTime() - killed).toMillis();
            restarted.countDown();

            outcomes = new ArrayList<>();
            for (Future<Optional<String>> query : queries) {
                outcomes.add(query.get(180, TimeUnit.SECONDS));
            }
        }
        finally {
            restarted.countDown();
            clients.shutdownNow();
        }
        long completed = outcomes.stream().filter(Optional::isEmpty).count();
        System.out.printf("TestGatewayKilledMidQuery: gateway killed with SIGKILL under %d streaming queries, back after %d ms; %d of %d queries completed%n",
                QUERIES, downMillis, completed, QUERIES);
        outcomes.stream().flatMap(Optional::stream).forEach(failure -> System.out.println("  failed: " + failure));
    }

    @AfterAll
    static void stopTheGateway()
            throws InterruptedException
    {
        if (gateway != null) {
            gateway.stopAndVerify();
        }
    }

    @Test
    void everyQueryCompletesThroughTheRestartedGateway()
    {
        assertThat(outcomes).as("what each query's client saw").hasSize(QUERIES).allSatisfy(outcome -> assertThat(outcome).isEmpty());
    }

    @Test
    void theRestartedGatewayServesNewQueries()
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT count(*) FROM tpch.tiny.nation")) {
            assertThat(rows.next()).isTrue();
            assertThat(rows.getLong(1)).isEqualTo(25);
        }
    }

    /** One query read to its end, pausing after its first rows until the gateway has been killed and restarted. */
    private static Optional<String> run(CountDownLatch streaming, CountDownLatch restarted)
    {
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery(SQL)) {
            long count = 0;
            while (rows.next()) {
                count++;
                if (count == ROWS_BEFORE_KILL) {
                    streaming.countDown();
                    if (!restarted.await(120, TimeUnit.SECONDS)) {
                        return Optional.of("the gateway did not come back within 120 s");
                    }
                }
            }
            return count == ROWS ? Optional.empty() : Optional.of("read " + count + " rows instead of " + ROWS);
        }
        catch (SQLException e) {
            streaming.countDown();
            StringBuilder text = new StringBuilder(String.valueOf(e.getMessage()));
            for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
                text.append(" <- ").append(cause);
            }
            return Optional.of(text.toString());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted");
        }
    }
}
