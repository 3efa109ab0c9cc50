package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Queries sent to the one gateway URL are spread over the clusters of the routing group. */
final class TestLoadBalancing
{
    private static final int QUERIES = 20;

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    @Test
    void twentyQueriesRunOnBothClustersAndEachRunsOnce()
            throws SQLException, IOException, InterruptedException
    {
        String marker = QueryMarkers.newMarker("balance");
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                Statement statement = connection.createStatement()) {
            for (int i = 0; i < QUERIES; i++) {
                try (ResultSet resultSet = statement.executeQuery("/* " + marker + " */ SELECT count(*) FROM tpch.tiny.region")) {
                    assertThat(resultSet.next()).isTrue();
                    assertThat(resultSet.getLong(1)).isEqualTo(5);
                }
            }
        }

        Map<TrinoServer, List<JsonNode>> ran = QueryMarkers.queriesByServer(GATEWAY.trino(), marker);
        assertThat(ran.values()).allSatisfy(queries -> assertThat(queries).isNotEmpty());
        assertThat(ran.values().stream().mapToInt(List::size).sum()).as("queries run on all clusters").isEqualTo(QUERIES);
    }
}
