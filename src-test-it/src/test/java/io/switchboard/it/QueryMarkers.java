package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/** Unique SQL comments, and which coordinator ran the queries that carry one: the gateway hides the cluster. */
final class QueryMarkers
{
    private QueryMarkers() {}

    static String newMarker(String label)
    {
        return "sb-it-" + label + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** For each server, the queries whose text contains {@code marker}, as listed by its {@code /v1/query}. */
    static Map<TrinoServer, List<JsonNode>> queriesByServer(TrinoServers trino, String marker)
            throws IOException, InterruptedException
    {
        return queriesByServer(trino.all(), marker);
    }

    /** The same for any list of servers, such as one a test started for itself next to a shared one. */
    static Map<TrinoServer, List<JsonNode>> queriesByServer(List<TrinoServer> servers, String marker)
            throws IOException, InterruptedException
    {
        TrinoProtocol protocol = new TrinoProtocol();
        Map<TrinoServer, List<JsonNode>> found = new LinkedHashMap<>();
        for (TrinoServer server : servers) {
            found.put(server, protocol.queries(server.uri()).stream()
                    .filter(query -> query.path("query").asText().contains(marker))
                    .toList());
        }
        return found;
    }

    /** One row of a coordinator's {@code system.runtime.queries}. */
    record RuntimeQuery(String queryId, String state, String user, String source) {}

    /**
     * The queries whose text contains {@code marker}, as the coordinator's own {@code system.runtime.queries} table
     * lists them, read over JDBC straight from the server. The marker is split in the SQL text so that this lookup does
     * not find itself.
     */
    static List<RuntimeQuery> runtimeQueries(TrinoServer server, String marker)
            throws SQLException
    {
        if (!marker.matches("[A-Za-z0-9-]{4,}")) {
            throw new IllegalArgumentException("not a marker made by newMarker: " + marker);
        }
        String sql = "SELECT query_id, state, \"user\", source FROM system.runtime.queries WHERE strpos(query, '"
                + marker.substring(0, 2) + "' || '" + marker.substring(2) + "') > 0";
        List<RuntimeQuery> queries = new ArrayList<>();
        try (Connection connection = DriverManager.getConnection(server.jdbcUrl());
                Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery(sql)) {
            while (resultSet.next()) {
                queries.add(new RuntimeQuery(resultSet.getString(1), resultSet.getString(2), resultSet.getString(3), resultSet.getString(4)));
            }
        }
        return queries;
    }
}
