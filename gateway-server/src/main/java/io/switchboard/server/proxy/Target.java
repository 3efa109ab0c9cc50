package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.Cluster;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.spi.RouteRequest;

import java.util.Optional;

/**
 * Where one request goes: the cluster, the path and query to ask it, and why.
 *
 * @param routing what the router saw, for submissions that may fail over to another cluster
 */
record Target(Cluster cluster, String backendTarget, RequestKind kind, Optional<RoutingGroup> group, Optional<RouteRequest> routing)
{
    Target
    {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(backendTarget, "backendTarget is null");
        requireNonNull(kind, "kind is null");
        requireNonNull(group, "group is null");
        requireNonNull(routing, "routing is null");
    }

    static Target followUp(Cluster cluster, String backendTarget, RequestKind kind)
    {
        return new Target(cluster, backendTarget, kind, Optional.empty(), Optional.empty());
    }

    Target withCluster(Cluster other, RoutingGroup routingGroup)
    {
        return new Target(other, backendTarget, kind, Optional.of(routingGroup), routing);
    }
}
