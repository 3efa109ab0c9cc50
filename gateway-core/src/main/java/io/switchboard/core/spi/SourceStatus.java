package io.switchboard.core.spi;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * How a source of clusters or of admin state is doing: whether its last call succeeded, and what the gateway runs on
 * when it did not (the last answer it had).
 *
 * @param kind where the data comes from: {@code static}, {@code file}, {@code consul}
 * @param reachable whether the last call to the source succeeded; a local source always is
 * @param since when {@code reachable} last changed
 * @param lastContact when the source last answered, empty if it never did
 * @param lastError why the last call failed, empty when it succeeded
 */
public record SourceStatus(String kind, boolean reachable, Instant since, Optional<Instant> lastContact, Optional<String> lastError)
{
    public SourceStatus
    {
        requireNonNull(kind, "kind is null");
        requireNonNull(since, "since is null");
        requireNonNull(lastContact, "lastContact is null");
        requireNonNull(lastError, "lastError is null");
    }

    /** A source that needs no network: a list in the config file, a local file. */
    public static SourceStatus local(String kind, Instant since)
    {
        return new SourceStatus(kind, true, since, Optional.of(since), Optional.empty());
    }
}
