package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.RoutingGroup;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.Optional;

/**
 * How one routing group chooses among its clusters, and what happens when none is eligible.
 *
 * @param fallback the group that takes the group's queries when none of its clusters is eligible; empty means
 *     isolation: the query fails at once with an error naming the group
 * @param holdWhenFull a cluster whose load reached its capacity takes no new query of the group; when every eligible
 *     cluster is full, the query waits in the gateway's queue
 */
public record GroupSettings(RoutingGroup group, RoutingPolicy policy, Optional<RoutingGroup> fallback, boolean holdWhenFull)
{
    public GroupSettings
    {
        requireNonNull(group, "group is null");
        requireNonNull(policy, "policy is null");
        requireNonNull(fallback, "fallback is null");
    }

    public GroupSettings(RoutingGroup group, RoutingPolicy policy, Optional<RoutingGroup> fallback)
    {
        this(group, policy, fallback, false);
    }
}
