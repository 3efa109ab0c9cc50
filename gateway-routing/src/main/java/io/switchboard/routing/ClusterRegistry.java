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

    /**
     * Replaces the set of clusters: a cluster that keeps its id and definition keeps what is known of it (health,
     * load, admin state, ejection); a new or changed one starts unprobed with the admin state {@code initial} gives.
     */
    public void replaceClusters(List<Cluster> clusters, java.util.function.Function<ClusterId, io.switchboard.core.AdminState> initial)
    {
        snapshot.updateAndGet(current -> new ClusterSnapshot(clusters.stream()
                .map(cluster -> current.find(cluster.id())
                        .filter(status -> status.cluster().equals(cluster))
                        .orElseGet(() -> ClusterStatus.unprobed(cluster).withAdminState(initial.apply(cluster.id()))))
                .toList()));
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
