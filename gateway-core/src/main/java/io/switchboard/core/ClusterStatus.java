package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.Optional;

/**
 * A cluster together with what the gateway currently knows of it: active health, load and passive ejection are kept
 * apart and only combined here, when routing asks whether the cluster may take a query.
 *
 * @param lastProbe when the health check last answered or failed, empty before the first probe
 * @param lastError why the last health probe failed, empty when it succeeded
 * @param ejectedUntil set while outlier detection keeps the cluster out of routing
 */
public record ClusterStatus(
        Cluster cluster,
        AdminState adminState,
        HealthState health,
        Optional<Instant> lastProbe,
        Optional<String> lastError,
        ClusterLoad load,
        Optional<Instant> ejectedUntil)
{
    public ClusterStatus
    {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(adminState, "adminState is null");
        requireNonNull(health, "health is null");
        requireNonNull(lastProbe, "lastProbe is null");
        requireNonNull(lastError, "lastError is null");
        requireNonNull(load, "load is null");
        requireNonNull(ejectedUntil, "ejectedUntil is null");
    }

    public static ClusterStatus unprobed(Cluster cluster)
    {
        return new ClusterStatus(cluster, AdminState.ACTIVE, HealthState.UNKNOWN, Optional.empty(), Optional.empty(), ClusterLoad.UNKNOWN, Optional.empty());
    }

    public ClusterId id()
    {
        return cluster.id();
    }

    /** Healthy by the active check; says nothing of ejection. */
    public boolean routable()
    {
        return health.routable();
    }

    public boolean ejectedAt(Instant now)
    {
        return ejectedUntil.isPresent() && now.isBefore(ejectedUntil.get());
    }

    public ClusterStatus withHealth(HealthState health, Instant probedAt, Optional<String> error)
    {
        return new ClusterStatus(cluster, adminState, health, Optional.of(probedAt), error, load, ejectedUntil);
    }

    public ClusterStatus withAdminState(AdminState state)
    {
        return new ClusterStatus(cluster, state, health, lastProbe, lastError, load, ejectedUntil);
    }

    public ClusterStatus withLoad(ClusterLoad load)
    {
        return new ClusterStatus(cluster, adminState, health, lastProbe, lastError, load, ejectedUntil);
    }

    public ClusterStatus withEjectedUntil(Optional<Instant> until)
    {
        return new ClusterStatus(cluster, adminState, health, lastProbe, lastError, load, until);
    }
}
