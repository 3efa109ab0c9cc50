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
 */
public record GroupSettings(RoutingGroup group, RoutingPolicy policy, Optional<RoutingGroup> fallback)
{
    public GroupSettings
    {
        requireNonNull(group, "group is null");
        requireNonNull(policy, "policy is null");
        requireNonNull(fallback, "fallback is null");
    }
}
