package io.switchboard.core.spi;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every cluster a discovery source knows at one moment.
 *
 * @param failing clusters the source itself reports as failing (a Consul check that is not passing, say), with the
 *     reason: they stay known, so that their running queries finish, but take no new query
 */
public record DiscoveredClusters(List<Cluster> clusters, Map<ClusterId, String> failing)
{
    public DiscoveredClusters
    {
        clusters = List.copyOf(requireNonNull(clusters, "clusters is null"));
        failing = Map.copyOf(requireNonNull(failing, "failing is null"));
        Set<ClusterId> ids = new HashSet<>();
        for (Cluster cluster : clusters) {
            if (!ids.add(cluster.id())) {
                throw new IllegalArgumentException("duplicate cluster id " + cluster.id());
            }
        }
    }
}
