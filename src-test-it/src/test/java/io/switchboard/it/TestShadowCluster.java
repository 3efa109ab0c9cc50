package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trino.jdbc.TrinoResultSet;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
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
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A third, shadow coordinator behind the shared pair: with every read-only statement mirrored, clients see only
 * their primary, matching results compare as matches, a query that fails only on the shadow is reported as a
 * mismatch, writes are never mirrored, and killing the shadow changes nothing for clients.
 */
// The shadow has the tpch catalog only; the shared coordinators also have memory. It is killed by the last test.
@ExtendWith(SharedTrinoServers.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@Timeout(300)
final class TestShadowCluster
{
    private static final String GROUP = "adhoc";
    private static final String SHADOW = "trino-shadow";
    private static final Duration REPORT_DEADLINE = Duration.ofSeconds(120);

    private static TrinoServer shadow;
    private static GatewayProcess gateway;
    private final TrinoProtocol protocol = new TrinoProtocol();

    /** What a JDBC client got from one statement: its query id and every row, as text. */
    private record ClientResult(String queryId, List<List<String>> rows) {}

    @BeforeAll
    @Timeout(300)
    static void startTheShadowAndTheGateway(TrinoServers trino)
            throws Exception
    {
        shadow = TrinoServer.launch(SHADOW, ItEnvironment.workDirectory().resolve("trino-instances"), TrinoServer.freePort(), List.of("tpch"));
        shadow.awaitReady(Duration.ofSeconds(120));
        List<GatewayConfig.Cluster> clusters = new ArrayList<>();
        trino.all().forEach(server -> clusters.add(new GatewayConfig.Cluster(server.name(), server.uri(), GROUP)));
        clusters.add(new GatewayConfig.Cluster(SHADOW, shadow.uri(), GROUP).asShadow());
        gateway = GatewayProcess.start("TestShadowCluster-gateway", GatewayConfig.onFreePorts(GROUP, clusters)
                // every statement is mirrored: a cold shadow on a busy machine lags, and none may be dropped here
                .withShadow(new GatewayConfig.Shadow(List.of(new GatewayConfig.GroupShadow(GROUP, SHADOW, 100)), 64)));
        gateway.awaitClusterHealth(Map.of(trino.first().name(), true, trino.second().name(), true, SHADOW, true));
    }

    @AfterAll
    static void stopTheGatewayAndTheShadow()
            throws InterruptedException
    {
        try {
            if (gateway != null) {
                gateway.stopAndVerify();
            }
        }
        finally {
            if (shadow != null) {
                shadow.close();
            }
        }
    }

    @Test
    @Order(1)
    void readQueriesThroughTheGatewayMatchTheirShadows()
            throws Exception
    {
        List<ClientResult> results = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                Statement statement = connection.createStatement()) {
            for (String sql : List.of(
                    "SELECT count(*) FROM tpch.tiny.lineitem",
                    // no ORDER BY: the rows come in whatever order each cluster produces them
                    "SELECT n.name, r.name FROM tpch.tiny.nation n JOIN tpch.tiny.region r ON n.regionkey = r.regionkey",
                    "SELECT orderkey, custkey, totalprice, orderdate, comment FROM tpch.tiny.orders",
                    // integer sums: a sum of doubles may differ in its last digits with the order the parts are added in
                    "WITH statuses AS (SELECT orderstatus, count(*) AS orders, sum(custkey) AS customers FROM tpch.tiny.orders GROUP BY orderstatus) SELECT * FROM statuses",
                    "SELECT custkey, name, acctbal FROM tpch.sf1.customer WHERE nationkey = 3",
                    "SHOW SCHEMAS FROM tpch",
                    "DESCRIBE tpch.tiny.customer",
                    "VALUES (1, 'one'), (2, 'two')")) {
                results.add(execute(statement, sql));
            }
        }
        // the session's catalog and schema go along: the shadow resolves the unqualified table the same way
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl().replace("?", "/tpch/tiny?"));
                Statement statement = connection.createStatement()) {
            results.add(execute(statement, "SELECT count(*), sum(nationkey) FROM nation"));
        }
        // a JDBC prepared statement runs as EXECUTE with the statement in a header, which the shadow gets too
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                PreparedStatement prepared = connection.prepareStatement("SELECT name FROM tpch.tiny.nation WHERE regionkey = ?")) {
            prepared.setLong(1, 2);
            try (ResultSet resultSet = prepared.executeQuery()) {
                results.add(new ClientResult(resultSet.unwrap(TrinoResultSet.class).getQueryId(), readAll(resultSet)));
            }
        }

        assertThat(results.get(2).rows()).hasSize(15_000);
        assertThat(results.get(results.size() - 1).rows()).hasSize(5);
        for (ClientResult result : results) {
            JsonNode comparison = awaitComparison(result.queryId());
            assertThat(comparison.get("verdict").asText()).as("comparison of %s: %s", result.queryId(), comparison).isEqualTo("MATCH");
            assertThat(comparison.at("/shadow/cluster").asText()).isEqualTo(SHADOW);
            assertThat(comparison.at("/shadow/outcome").asText()).isEqualTo("FINISHED");
            if (!comparison.get("statement").asText().equals("explain")) {
                assertThat(comparison.at("/primary/rows").asLong()).as("rows of %s", comparison).isEqualTo(result.rows().size());
                assertThat(comparison.at("/shadow/rows").asLong()).isEqualTo(result.rows().size());
                assertThat(comparison.at("/shadow/checksum").asText()).isEqualTo(comparison.at("/primary/checksum").asText());
            }
            String shadowQueryId = comparison.at("/shadow/queryId").asText();
            assertThat(protocol.queryInfo(shadow.uri(), shadowQueryId)).as("the shadow ran %s", shadowQueryId).isPresent();
            assertThat(protocol.queryInfo(shadow.uri(), result.queryId())).as("the client's query ran on a primary only").isEmpty();
        }
        String metrics = metrics();
        assertThat(metrics).containsPattern("switchboard_shadow_comparisons_total\\{group=\"adhoc\",verdict=\"match\"} [1-9]");
        assertThat(metrics).contains("switchboard_shadow_duration_ratio_count{group=\"adhoc\"}");
    }

    @Test
    @Order(2)
    void aQueryThatFailsOnlyOnTheShadowIsAMismatchWhileTheClientSucceeds()
            throws Exception
    {
        ClientResult result;
        try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                Statement statement = connection.createStatement()) {
            result = execute(statement, "SHOW SCHEMAS FROM memory");
        }

        assertThat(result.rows()).extracting(row -> row.get(0)).contains("default", "information_schema");
        JsonNode report = awaitReport(body -> contains(body.get("mismatches"), result.queryId()));
        JsonNode mismatch = find(report.get("mismatches"), result.queryId());
        assertThat(mismatch.get("differences")).extracting(JsonNode::asText).containsExactly("outcome");
        assertThat(mismatch.at("/primary/outcome").asText()).isEqualTo("FINISHED");
        assertThat(mismatch.at("/shadow/outcome").asText()).isEqualTo("FAILED");
        assertThat(mismatch.at("/shadow/errorName").asText()).isEqualTo("CATALOG_NOT_FOUND");
        assertThat(mismatch.at("/shadow/queryId").asText()).isNotBlank();
        assertThat(mismatch.get("sql").asText()).isEqualTo("SHOW SCHEMAS FROM memory");
        assertThat(metrics()).containsPattern("switchboard_shadow_mismatches_total\\{difference=\"outcome\",group=\"adhoc\"} [1-9]");
    }

    @Test
    @Order(3)
    void writesAndTransactionsAreNeverMirrored(TrinoServers trino)
            throws Exception
    {
        // each coordinator has its own memory catalog: the table the writes need exists on both
        String table = "memory.default.shadow_" + Long.toHexString(System.nanoTime());
        for (TrinoServer primary : trino.all()) {
            assertThat(protocol.execute(primary.uri(), "CREATE TABLE " + table + " (x bigint)", TrinoProtocol.TRINO_USER).finalState()).isEqualTo("FINISHED");
        }
        long skippedBefore = report().at("/skipped/statement").asLong();
        try {
            try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                    Statement statement = connection.createStatement()) {
                statement.execute("INSERT INTO " + table + " VALUES 1");
                statement.execute("CREATE TABLE " + table + "_copy AS SELECT * FROM " + table);
                statement.execute("DROP TABLE IF EXISTS " + table + "_none");
                execute(statement, "SELECT count(*) FROM " + table);
            }
            try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl())) {
                connection.setAutoCommit(false);
                try (Statement statement = connection.createStatement()) {
                    execute(statement, "SELECT 'inside-a-transaction'");
                }
                connection.commit();
            }
        }
        finally {
            for (TrinoServer primary : trino.all()) {
                protocol.execute(primary.uri(), "DROP TABLE IF EXISTS " + table, TrinoProtocol.TRINO_USER);
                protocol.execute(primary.uri(), "DROP TABLE IF EXISTS " + table + "_copy", TrinoProtocol.TRINO_USER);
            }
        }

        String read = "SELECT count(*) FROM " + table;
        awaitReport(body -> body.get("recent").findValuesAsText("sql").contains(read));
        List<String> seenByShadow = protocol.queries(shadow.uri()).stream().map(query -> query.path("query").asText()).toList();
        assertThat(seenByShadow).as("the read is mirrored, and fails there without the memory catalog").contains(read);
        assertThat(seenByShadow).noneMatch(sql -> sql.contains("INSERT INTO") || sql.contains("CREATE TABLE") || sql.contains("DROP TABLE"))
                .noneMatch(sql -> sql.contains("inside-a-transaction"));
        JsonNode report = report();
        assertThat(report.at("/skipped/statement").asLong() - skippedBefore).isGreaterThanOrEqualTo(3);
        assertThat(report.at("/skipped/transaction").asLong()).isGreaterThanOrEqualTo(1);
    }

    @Test
    @Order(4)
    void killingTheShadowChangesNothingForClients()
            throws Exception
    {
        ExecutorService clients = Executors.newFixedThreadPool(2);
        try {
            // a mirrored query still running on the shadow when it dies
            Future<ClientResult> longQuery = clients.submit(() -> {
                try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                        Statement statement = connection.createStatement()) {
                    return execute(statement, "SELECT count(*), sum(quantity) FROM tpch.sf1.lineitem");
                }
            });
            awaitShadowRunning("tpch.sf1.lineitem");
            shadow.kill();

            List<ClientResult> afterKill = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            boolean sawShadowUnhealthy = false;
            try (Connection connection = DriverManager.getConnection(gateway.jdbcUrl());
                    Statement statement = connection.createStatement()) {
                while (!sawShadowUnhealthy || afterKill.size() < 5) {
                    assertThat(System.nanoTime()).as("the gateway notices the dead shadow within 60 s").isLessThan(deadline);
                    ClientResult result = execute(statement, "SELECT count(*) FROM tpch.tiny.customer");
                    afterKill.add(result);
                    sawShadowUnhealthy = !gateway.admin().cluster(SHADOW).get("healthy").asBoolean();
                }
                for (int i = 0; i < 3; i++) {
                    afterKill.add(execute(statement, "SELECT count(*) FROM tpch.tiny.customer"));
                }
            }

            assertThat(afterKill).allSatisfy(result -> assertThat(result.rows()).containsExactly(List.of("1500")));
            ClientResult survived = longQuery.get(120, TimeUnit.SECONDS);
            assertThat(survived.rows()).hasSize(1);
            assertThat(survived.rows().get(0).get(0)).isEqualTo("6001215");
            JsonNode comparison = awaitComparison(survived.queryId());
            assertThat(comparison.at("/primary/outcome").asText()).isEqualTo("FINISHED");
            assertThat(comparison.at("/shadow/outcome").asText()).isEqualTo("ERROR");
            assertThat(report().at("/dropped/unhealthy").asLong()).as("samples dropped while the shadow is down").isGreaterThanOrEqualTo(3);
        }
        finally {
            clients.shutdownNow();
        }
    }

    private static ClientResult execute(Statement statement, String sql)
            throws SQLException
    {
        try (ResultSet resultSet = statement.executeQuery(sql)) {
            return new ClientResult(resultSet.unwrap(TrinoResultSet.class).getQueryId(), readAll(resultSet));
        }
    }

    /** Reads to the end: closing a result set early would cancel the query. */
    private static List<List<String>> readAll(ResultSet resultSet)
            throws SQLException
    {
        List<List<String>> rows = new ArrayList<>();
        int columns = resultSet.getMetaData().getColumnCount();
        while (resultSet.next()) {
            List<String> row = new ArrayList<>(columns);
            for (int column = 1; column <= columns; column++) {
                row.add(resultSet.getString(column));
            }
            rows.add(row);
        }
        return rows;
    }

    private void awaitShadowRunning(String text)
            throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (protocol.queries(shadow.uri()).stream().noneMatch(query -> query.path("query").asText().contains(text) && query.path("state").asText().equals("RUNNING"))) {
            assertThat(System.nanoTime()).as("the shadow runs the mirrored query within 60 s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }

    private static JsonNode awaitComparison(String primaryQueryId)
            throws Exception
    {
        JsonNode report = awaitReport(body -> contains(body.get("recent"), primaryQueryId));
        return find(report.get("recent"), primaryQueryId);
    }

    private static JsonNode awaitReport(Predicate<JsonNode> wanted)
            throws Exception
    {
        long deadline = System.nanoTime() + REPORT_DEADLINE.toNanos();
        JsonNode report = report();
        while (!wanted.test(report)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("the shadow report did not show what was expected within " + REPORT_DEADLINE.toSeconds() + " s; last: " + report);
            }
            Thread.sleep(200);
            report = report();
        }
        return report;
    }

    private static JsonNode report()
            throws IOException, InterruptedException
    {
        ProtocolResponse response = gateway.admin().get("/v1/gateway/shadow/report?limit=500");
        if (response.status() != 200) {
            throw new AssertionError("GET /v1/gateway/shadow/report: " + response);
        }
        return response.json();
    }

    private static String metrics()
            throws IOException, InterruptedException
    {
        return gateway.admin().get("/metrics").body();
    }

    private static boolean contains(JsonNode comparisons, String primaryQueryId)
    {
        for (JsonNode comparison : comparisons) {
            if (comparison.at("/primary/queryId").asText().equals(primaryQueryId)) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode find(JsonNode comparisons, String primaryQueryId)
    {
        for (JsonNode comparison : comparisons) {
            if (comparison.at("/primary/queryId").asText().equals(primaryQueryId)) {
                return comparison;
            }
        }
        throw new AssertionError("no comparison of " + primaryQueryId + " in " + comparisons);
    }
}
