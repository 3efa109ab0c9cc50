package io.switchboard.routing;

import io.switchboard.core.ClusterStatus;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/** Takes the candidates in turn. */
public final class RoundRobinPolicy
        implements RoutingPolicy
{
    private final AtomicInteger next = new AtomicInteger();

    @Override
    public Optional<ClusterStatus> choose(RouteRequest request, List<ClusterStatus> candidates)
    {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(candidates.get(Math.floorMod(next.getAndIncrement(), candidates.size())));
    }
}
