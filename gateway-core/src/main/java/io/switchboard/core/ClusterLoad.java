package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * Queued and running queries as a cluster's coordinator last reported them.
 *
 * @param probedAt when the numbers were read; empty before the first successful probe
 * @param error why the last probe failed, empty when it succeeded
 */
public record ClusterLoad(int queued, int running, Optional<Instant> probedAt, Optional<String> error)
{
    public static final ClusterLoad UNKNOWN = new ClusterLoad(0, 0, Optional.empty(), Optional.empty());

    public ClusterLoad
    {
        requireNonNull(probedAt, "probedAt is null");
        requireNonNull(error, "error is null");
        if (queued < 0 || running < 0) {
            throw new IllegalArgumentException("query counts must not be negative");
        }
    }

    public int total()
    {
        return queued + running;
    }
}
