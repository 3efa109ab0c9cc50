package io.switchboard.routing.shadow;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;
import io.switchboard.core.ReadOnlyStatement;
import io.switchboard.core.RoutingGroup;

import java.util.List;
import java.util.Optional;

/**
 * One statement to mirror: the client's SQL and session headers as it sent them to its primary cluster.
 *
 * @param headers in the client's order; hop-by-hop and framing headers are already left out
 */
public record ShadowRequest(
        QueryId primaryQuery,
        ClusterId primaryCluster,
        RoutingGroup group,
        ReadOnlyStatement statement,
        String sql,
        List<Header> headers,
        Optional<String> user)
{
    /** One request header. */
    public record Header(String name, String value)
    {
        public Header
        {
            requireNonNull(name, "name is null");
            requireNonNull(value, "value is null");
        }
    }

    public ShadowRequest
    {
        requireNonNull(primaryQuery, "primaryQuery is null");
        requireNonNull(primaryCluster, "primaryCluster is null");
        requireNonNull(group, "group is null");
        requireNonNull(statement, "statement is null");
        requireNonNull(sql, "sql is null");
        headers = List.copyOf(headers);
        requireNonNull(user, "user is null");
    }

    /** What holding this request costs, counted against {@link ShadowLimits#maxBytes()}. */
    public long bytes()
    {
        long bytes = sql.getBytes(UTF_8).length;
        for (Header header : headers) {
            bytes += header.name().length() + header.value().length() + 4;
        }
        return bytes;
    }
}
