package io.switchboard.core.spi;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/** What routing may look at in a statement submission. */
public record RouteRequest(Optional<String> user, Optional<String> source)
{
    public RouteRequest
    {
        requireNonNull(user, "user is null");
        requireNonNull(source, "source is null");
    }
}
