package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterSnapshot;
import io.switchboard.core.ClusterStatus;

import java.util.List;
import java.util.Optional;
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

    /**
     * Applies a change to one cluster's status, if the cluster is still known, and says what it changed. The change
     * may run more than once when updates race, so it must not have side effects: callers act on what this returns,
     * which is the change that took effect.
     */
    public Optional<StatusChange> update(ClusterId id, UnaryOperator<ClusterStatus> change)
    {
        StatusChange[] applied = new StatusChange[1];
        snapshot.updateAndGet(current -> {
            applied[0] = null;
            return current.find(id)
                    .map(status -> {
                        ClusterStatus updated = change.apply(status);
                        applied[0] = new StatusChange(status, updated);
                        return updated.equals(status) ? current : current.with(updated);
                    })
                    .orElse(current);
        });
        return Optional.ofNullable(applied[0]);
    }

    /** A cluster's status before and after an update. */
    public record StatusChange(ClusterStatus before, ClusterStatus after)
    {
        public boolean healthChanged()
        {
            return before.health() != after.health();
        }
    }
}
