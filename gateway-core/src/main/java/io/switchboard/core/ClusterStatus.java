package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * A cluster together with what the gateway currently knows of it.
 *
 * @param lastProbe when the health check last answered or failed, empty before the first probe
 * @param lastError why the last probe failed, empty when it succeeded
 */
public record ClusterStatus(Cluster cluster, HealthState health, Optional<Instant> lastProbe, Optional<String> lastError)
{
    public ClusterStatus
    {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(health, "health is null");
        requireNonNull(lastProbe, "lastProbe is null");
        requireNonNull(lastError, "lastError is null");
    }

    public static ClusterStatus unprobed(Cluster cluster)
    {
        return new ClusterStatus(cluster, HealthState.UNKNOWN, Optional.empty(), Optional.empty());
    }

    public ClusterId id()
    {
        return cluster.id();
    }

    public boolean routable()
    {
        return health.routable();
    }
}
