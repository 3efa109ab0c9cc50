package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterSnapshot;
import io.switchboard.core.ClusterStatus;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;

/** Holds the current {@link ClusterSnapshot} and publishes a new one whenever what is known of a cluster changes. */
public final class ClusterRegistry
{
    private final AtomicReference<ClusterSnapshot> snapshot;

    public ClusterRegistry(List<Cluster> clusters)
    {
        requireNonNull(clusters, "clusters is null");
        this.snapshot = new AtomicReference<>(new ClusterSnapshot(clusters.stream().map(ClusterStatus::unprobed).toList()));
    }

    public ClusterSnapshot snapshot()
    {
        return snapshot.get();
    }

    /** Applies a change to one cluster's status, if the cluster is still known. */
    public void update(ClusterId id, UnaryOperator<ClusterStatus> change)
    {
        snapshot.updateAndGet(current -> current.find(id)
                .map(status -> {
                    ClusterStatus updated = change.apply(status);
                    return updated.equals(status) ? current : current.with(updated);
                })
                .orElse(current));
    }
}
