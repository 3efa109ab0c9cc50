package io.switchboard.core.spi;

import io.switchboard.core.ClusterStatus;

import java.util.List;
import java.util.Optional;

/** Chooses one cluster among the eligible ones of a routing group: a function of the request and the candidates. */
public interface RoutingPolicy
{
    /**
     * @param candidates the eligible clusters, never empty, in a stable order
     */
    Optional<ClusterStatus> choose(RouteRequest request, List<ClusterStatus> candidates);
}
