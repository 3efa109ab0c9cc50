package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.Cluster;
import io.switchboard.core.RoutingGroup;

import java.util.Optional;

/** Where one request goes: the cluster, the path and query to ask it, and why. */
record Target(Cluster cluster, String backendTarget, RequestKind kind, Optional<RoutingGroup> group)
{
    Target
    {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(backendTarget, "backendTarget is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(group, "group is null");
    }

    Target withCluster(Cluster other, RoutingGroup routingGroup)
    {
        return new Target(other, backendTarget, kind, Optional.of(routingGroup));
    }
}
