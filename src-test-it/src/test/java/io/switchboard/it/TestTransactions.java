package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Statements of a JDBC transaction, and its commit or rollback, stay on the cluster that started it. */
final class TestTransactions
{
    private static final int STATEMENTS = 10;

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    // Trino's memory catalog refuses writes inside an explicit transaction ("Catalog only supports writes using
    // autocommit"), so these transactions read: a table of the same name exists on each cluster holding that cluster's
    // name, and a statement sent to the wrong cluster would read another name or fail with an unknown transaction.
    private static String table;

    @BeforeAll
    static void createTheTableOnEachCluster()
            throws SQLException
    {
        table = "memory.default." + QueryMarkers.newMarker("tx").replace('-', '_');
        for (TrinoServer server : GATEWAY.trino().all()) {
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl());
                    Statement statement = connection.createStatement()) {
                statement.execute("CREATE TABLE " + table + " AS SELECT '" + server.name() + "' AS cluster");
            }
        }
    }

    @AfterAll
    static void dropTheTables()
            throws SQLException
    {
        for (TrinoServer server : GATEWAY.trino().all()) {
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl());
                    Statement statement = connection.createStatement()) {
                statement.execute("DROP TABLE IF EXISTS " + table);
            }
        }
    }

    @Test
    void committedTransactionRunsEveryStatementAndTheCommitOnOneCluster()
            throws SQLException, IOException, InterruptedException
    {
        String marker = QueryMarkers.newMarker("commit");
        Set<String> clustersRead = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl())) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                for (int i = 0; i < STATEMENTS; i++) {
                    clustersRead.addAll(readClusterNames(statement, marker));
                }
            }
            connection.commit();
        }

        assertThat(clustersRead).hasSize(1);
        TrinoServer server = serverNamed(clustersRead.iterator().next());
        List<JsonNode> statements = QueryMarkers.queriesByServer(GATEWAY.trino(), marker).get(server);
        assertThat(statements).hasSize(STATEMENTS);
        Set<String> transactionIds = statements.stream()
                .map(query -> query.path("session").path("transactionId").asText())
                .collect(Collectors.toSet());
        assertThat(transactionIds).hasSize(1);
        assertThat(statementsOfTransaction(transactionIds.iterator().next(), "COMMIT"))
                .as("where COMMIT ran and how it ended")
                .containsExactly(Map.entry(server.name(), "FINISHED"));
    }

    @Test
    void rolledBackTransactionRunsEveryStatementAndTheRollbackOnOneCluster()
            throws SQLException, IOException, InterruptedException
    {
        String marker = QueryMarkers.newMarker("rollback");
        Set<String> clustersRead = new HashSet<>();
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl())) {
            connection.setAutoCommit(false);
            try (Statement statement = connection.createStatement()) {
                for (int i = 0; i < STATEMENTS; i++) {
                    clustersRead.addAll(readClusterNames(statement, marker));
                }
            }
            connection.rollback();
        }

        assertThat(clustersRead).hasSize(1);
        TrinoServer server = serverNamed(clustersRead.iterator().next());
        List<JsonNode> statements = QueryMarkers.queriesByServer(GATEWAY.trino(), marker).get(server);
        assertThat(statements).hasSize(STATEMENTS);
        String transactionId = statements.get(0).path("session").path("transactionId").asText();
        assertThat(statementsOfTransaction(transactionId, "ROLLBACK"))
                .as("where ROLLBACK ran and how it ended")
                .containsExactly(Map.entry(server.name(), "FINISHED"));
    }

    /** Reads the whole result: closing it early would cancel the query and abort the transaction. */
    private static Set<String> readClusterNames(Statement statement, String marker)
            throws SQLException
    {
        Set<String> names = new HashSet<>();
        try (ResultSet resultSet = statement.executeQuery("/* " + marker + " */ SELECT cluster FROM " + table)) {
            while (resultSet.next()) {
                names.add(resultSet.getString(1));
            }
        }
        return names;
    }

    /** Server name and final state of each query with exactly this text in the transaction, on any cluster. */
    private static List<Map.Entry<String, String>> statementsOfTransaction(String transactionId, String text)
            throws IOException, InterruptedException
    {
        TrinoProtocol protocol = new TrinoProtocol();
        List<Map.Entry<String, String>> found = new ArrayList<>();
        for (TrinoServer server : GATEWAY.trino().all()) {
            for (JsonNode query : protocol.queries(server.uri())) {
                if (query.path("query").asText().equals(text)
                        && query.path("session").path("transactionId").asText().equals(transactionId)) {
                    found.add(Map.entry(server.name(), query.path("state").asText()));
                }
            }
        }
        return found;
    }

    private static TrinoServer serverNamed(String name)
    {
        return GATEWAY.trino().all().stream()
                .filter(server -> server.name().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no Trino server named " + name));
    }
}
