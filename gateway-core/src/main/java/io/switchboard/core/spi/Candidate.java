package io.switchboard.core.spi;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterStatus;

/**
 * An eligible cluster as a policy sees it: its status, plus what the gateway itself sent there.
 *
 * @param inFlight queries this gateway submitted there that have not ended
 * @param submittedSinceProbe queries this gateway submitted there since the cluster's load was last read, which the
 *     probed numbers do not show yet
 */
public record Candidate(ClusterStatus status, int inFlight, int submittedSinceProbe)
{
    public Candidate
    {
        requireNonNull(status, "status is null");
    }

    /** Queued plus running queries as best known now. */
    public int estimatedLoad()
    {
        return Math.max(status.load().total() + submittedSinceProbe, inFlight);
    }

    /** Load relative to the cluster's configured capacity: 1.0 means full. */
    public double utilisation()
    {
        return (double) estimatedLoad() / status.cluster().capacity();
    }
}
