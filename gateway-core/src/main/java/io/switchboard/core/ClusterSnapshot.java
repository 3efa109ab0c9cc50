package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An immutable view of every cluster at one moment. The registry publishes a new one on each change, and routing
 * reads one without locks.
 */
public final class ClusterSnapshot
{
    private final List<ClusterStatus> clusters;
    private final Map<ClusterId, ClusterStatus> byId;
    private final Map<RoutingGroup, List<ClusterStatus>> byGroup;

    public ClusterSnapshot(List<ClusterStatus> clusters)
    {
        this.clusters = List.copyOf(requireNonNull(clusters, "clusters is null"));
        Map<ClusterId, ClusterStatus> ids = new LinkedHashMap<>();
        Map<RoutingGroup, List<ClusterStatus>> groups = new LinkedHashMap<>();
        for (ClusterStatus status : this.clusters) {
            if (ids.put(status.id(), status) != null) {
                throw new IllegalArgumentException("duplicate cluster id " + status.id());
            }
            groups.computeIfAbsent(status.cluster().routingGroup(), group -> new java.util.ArrayList<>()).add(status);
        }
        this.byId = Map.copyOf(ids);
        Map<RoutingGroup, List<ClusterStatus>> frozen = new LinkedHashMap<>();
        groups.forEach((group, members) -> frozen.put(group, List.copyOf(members)));
        this.byGroup = java.util.Collections.unmodifiableMap(frozen);
    }

    public List<ClusterStatus> clusters()
    {
        return clusters;
    }

    public Optional<ClusterStatus> find(ClusterId id)
    {
        return Optional.ofNullable(byId.get(id));
    }

    /** Every cluster of the group, routable or not, in configured order. */
    public List<ClusterStatus> group(RoutingGroup group)
    {
        return byGroup.getOrDefault(group, List.of());
    }

    public ClusterSnapshot with(ClusterStatus status)
    {
        List<ClusterStatus> updated = new java.util.ArrayList<>(clusters.size());
        for (ClusterStatus existing : clusters) {
            updated.add(existing.id().equals(status.id()) ? status : existing);
        }
        return new ClusterSnapshot(updated);
    }
}
