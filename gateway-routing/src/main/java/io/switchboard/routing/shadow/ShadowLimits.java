package io.switchboard.routing.shadow;

import static java.util.Objects.requireNonNull;

import java.time.Duration;

/**
 * Bounds on the work shadow mirroring may do. Over a bound a sample is dropped and counted; the client's query never
 * waits for any of it.
 *
 * @param maxConcurrentQueries comparisons in progress at once: from the primary's first answer until both sides ended
 * @param maxBytes the SQL text and headers held for the shadow queries running at once
 * @param maxResultBytes the response bytes one shadow query may read; over it the shadow query is cancelled
 * @param maxDuration how long a comparison may take; then a still-running shadow query is cancelled, and the
 *     comparison ends without a verdict if the primary has not ended either
 * @param requestTimeout how long one request to the shadow cluster may wait for its answer
 * @param reportSize how many recent comparisons, and separately how many recent mismatches, the report keeps
 */
public record ShadowLimits(int maxConcurrentQueries, long maxBytes, long maxResultBytes, Duration maxDuration, Duration requestTimeout, int reportSize)
{
    public ShadowLimits
    {
        requireNonNull(maxDuration, "maxDuration is null");
        requireNonNull(requestTimeout, "requestTimeout is null");
        if (maxConcurrentQueries < 1 || maxBytes < 1 || maxResultBytes < 1 || reportSize < 1) {
            throw new IllegalArgumentException("shadow limits must be positive");
        }
    }
}
