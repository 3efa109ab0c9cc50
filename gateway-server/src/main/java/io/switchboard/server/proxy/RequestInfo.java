package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.protocol.HeaderFamily;

import java.util.Optional;

/** What the proxy reads once from a client request: who sends it, how to answer, and where it points. */
record RequestInfo(
        String method,
        String path,
        Optional<String> query,
        HeaderFamily family,
        Optional<String> user,
        Optional<String> source,
        String publicBase,
        boolean keepAlive,
        String clientAddress)
{
    RequestInfo
    {
        requireNonNull(method, "method is null");
        requireNonNull(path, "path is null");
        requireNonNull(query, "query is null");
        requireNonNull(family, "family is null");
        requireNonNull(user, "user is null");
        requireNonNull(source, "source is null");
        requireNonNull(publicBase, "publicBase is null");
        requireNonNull(clientAddress, "clientAddress is null");
    }
}
