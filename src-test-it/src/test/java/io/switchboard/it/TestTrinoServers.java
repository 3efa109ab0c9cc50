package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** Smoke test of the test bed itself: both shared coordinators run queries on the catalogs the other tests use. */
@ExtendWith(SharedTrinoServers.class)
final class TestTrinoServers
{
    @Test
    void bothCoordinatorsAnswerSelectOneOverJdbc(TrinoServers trino)
            throws SQLException
    {
        for (TrinoServer server : trino.all()) {
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl());
                    Statement statement = connection.createStatement();
                    ResultSet resultSet = statement.executeQuery("SELECT 1")) {
                assertThat(resultSet.next()).isTrue();
                assertThat(resultSet.getInt(1)).as(server.toString()).isEqualTo(1);
                assertThat(resultSet.next()).isFalse();
            }
        }
    }

    @Test
    void bothCoordinatorsHaveTheTpchAndMemoryCatalogs(TrinoServers trino)
            throws SQLException
    {
        for (TrinoServer server : trino.all()) {
            List<String> catalogs = new ArrayList<>();
            try (Connection connection = DriverManager.getConnection(server.jdbcUrl());
                    Statement statement = connection.createStatement();
                    ResultSet resultSet = statement.executeQuery("SHOW CATALOGS")) {
                while (resultSet.next()) {
                    catalogs.add(resultSet.getString(1));
                }
            }
            assertThat(catalogs).as(server.toString()).contains("tpch", "memory");
        }
    }
}
