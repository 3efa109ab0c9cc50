package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
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
        TrinoProtocol protocol = new TrinoProtocol();
        Map<TrinoServer, List<JsonNode>> found = new LinkedHashMap<>();
        for (TrinoServer server : trino.all()) {
            found.put(server, protocol.queries(server.uri()).stream()
                    .filter(query -> query.path("query").asText().contains(marker))
                    .toList());
        }
        return found;
    }
}
