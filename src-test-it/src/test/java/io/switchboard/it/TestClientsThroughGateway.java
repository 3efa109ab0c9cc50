package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The stock Trino CLI and JDBC driver, pointed at the gateway, behave as they do against a coordinator. */
final class TestClientsThroughGateway
{
    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    @Test
    void cliPrintsTheNationCount()
            throws IOException, InterruptedException
    {
        TrinoCli.Result result = TrinoCli.execute(GATEWAY.gateway().proxyUri(), "SELECT count(*) FROM tpch.tiny.nation");

        assertThat(result.exitCode()).as(result.allOutput()).isZero();
        assertThat(result.stdout().strip()).isEqualTo("\"25\"");
    }

    @Test
    void jdbcReadsTheNationCount()
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery("SELECT count(*) FROM tpch.tiny.nation")) {
            assertThat(resultSet.next()).isTrue();
            assertThat(resultSet.getLong(1)).isEqualTo(25);
            assertThat(resultSet.next()).isFalse();
        }
    }

    @Test
    void preparedStatementReturnsTheRowsOfEachSetOfParameters()
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                PreparedStatement statement = connection.prepareStatement(
                        "SELECT name FROM tpch.tiny.nation WHERE regionkey = ? AND nationkey > ? ORDER BY nationkey")) {
            statement.setLong(1, 1);
            statement.setLong(2, 2);
            assertThat(names(statement)).containsExactly("CANADA", "PERU", "UNITED STATES");

            // the second execution reuses the statement the driver prepared, so its name must survive the gateway
            statement.setLong(1, 3);
            statement.setLong(2, 20);
            assertThat(names(statement)).containsExactly("RUSSIA", "UNITED KINGDOM");
        }
    }

    @Test
    void sessionPropertySetOnAConnectionShowsInShowSession()
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                Statement statement = connection.createStatement()) {
            statement.execute("SET SESSION query_max_run_time = '1h'");

            Map<String, String> session = new HashMap<>();
            try (ResultSet resultSet = statement.executeQuery("SHOW SESSION")) {
                while (resultSet.next()) {
                    session.put(resultSet.getString("Name"), resultSet.getString("Value"));
                }
            }
            assertThat(session).containsEntry("query_max_run_time", "1h");
        }
    }

    private static List<String> names(PreparedStatement statement)
            throws SQLException
    {
        List<String> names = new ArrayList<>();
        try (ResultSet resultSet = statement.executeQuery()) {
            while (resultSet.next()) {
                names.add(resultSet.getString(1));
            }
        }
        return names;
    }
}
