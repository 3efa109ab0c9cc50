package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.spi.ClusterStateStore;

import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Operators' decisions about clusters: stored first, then applied, so that what routing obeys survives a restart. */
public final class ClusterAdministration
{
    private static final Logger log = LoggerFactory.getLogger(ClusterAdministration.class);

    private final ClusterRegistry registry;
    private final ClusterStateStore store;
    private final LoadTracker loadTracker;

    public ClusterAdministration(ClusterRegistry registry, ClusterStateStore store, LoadTracker loadTracker)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.store = requireNonNull(store, "store is null");
        this.loadTracker = requireNonNull(loadTracker, "loadTracker is null");
    }

    /** Applies the stored states to the registry; states of clusters no longer configured are kept but unused. */
    public void restore()
            throws IOException
    {
        Map<ClusterId, AdminState> stored = store.load();
        stored.forEach((cluster, state) -> {
            if (registry.snapshot().find(cluster).isPresent()) {
                registry.update(cluster, status -> status.withAdminState(state));
                log.info("event=admin_state_restored cluster={} state={}", cluster, state);
            }
        });
    }

    /**
     * Replaces the configured clusters (after a config reload): kept clusters keep their state, new ones take the
     * stored admin state, if any.
     */
    public synchronized void replaceClusters(java.util.List<io.switchboard.core.Cluster> clusters)
            throws IOException
    {
        Map<ClusterId, AdminState> stored = store.load();
        registry.replaceClusters(clusters, id -> stored.getOrDefault(id, AdminState.ACTIVE));
    }

    /**
     * Applies states another replica or an operator stored (a shared store's watch): every known cluster takes its
     * stored state, ACTIVE when none is stored.
     */
    public synchronized void applyStoredStates(Map<ClusterId, AdminState> stored)
    {
        for (ClusterStatus status : registry.snapshot().clusters()) {
            AdminState wanted = stored.getOrDefault(status.id(), AdminState.ACTIVE);
            if (status.adminState() != wanted) {
                registry.update(status.id(), current -> current.withAdminState(wanted));
                log.info("event=admin_state_stored_elsewhere cluster={} from={} to={}", status.id(), status.adminState(), wanted);
            }
        }
    }

    /**
     * @return the cluster's status after the change, empty when no such cluster is configured
     */
    public synchronized Optional<ClusterStatus> setState(ClusterId cluster, AdminState state)
            throws IOException
    {
        Optional<ClusterStatus> current = registry.snapshot().find(cluster);
        if (current.isEmpty()) {
            return Optional.empty();
        }
        store.save(cluster, state);
        registry.update(cluster, status -> status.withAdminState(state));
        log.info("event=admin_state cluster={} from={} to={}", cluster, current.get().adminState(), state);
        return registry.snapshot().find(cluster);
    }

    /** A cluster that takes no new queries and has none in flight through this gateway. */
    public boolean drained(ClusterStatus status)
    {
        return !status.adminState().takesNewQueries() && loadTracker.inFlight(status.id()) == 0;
    }
}
