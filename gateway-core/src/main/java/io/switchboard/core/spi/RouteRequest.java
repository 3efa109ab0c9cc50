package io.switchboard.core.spi;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.StatementKind;

import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What routing may look at in a statement submission.
 *
 * @param headers request headers by lower-case name (first value of each)
 * @param requestedGroup the routing group the client asked for with {@code X-Trino-Routing-Group}, if any
 */
public record RouteRequest(
        Optional<String> user,
        Optional<String> source,
        Set<String> clientTags,
        Map<String, String> headers,
        StatementKind statementKind,
        Optional<String> requestedGroup)
{
    public RouteRequest
    {
        requireNonNull(user, "user is null");
        requireNonNull(source, "source is null");
        clientTags = Set.copyOf(requireNonNull(clientTags, "clientTags is null"));
        headers = Map.copyOf(requireNonNull(headers, "headers is null"));
        requireNonNull(statementKind, "statementKind is null");
        requireNonNull(requestedGroup, "requestedGroup is null");
    }

    /** A request that carries only a user, for requests outside the statement protocol. */
    public static RouteRequest ofUser(Optional<String> user)
    {
        return new RouteRequest(user, Optional.empty(), Set.of(), Map.of(), StatementKind.OTHER, Optional.empty());
    }
}
