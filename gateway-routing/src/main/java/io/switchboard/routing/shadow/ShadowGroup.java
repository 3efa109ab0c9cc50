package io.switchboard.routing.shadow;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.ReadOnlyStatement;
import io.switchboard.core.RoutingGroup;

import java.util.Set;

/**
 * What one routing group mirrors: to which shadow cluster, how often, and which kinds of statement.
 *
 * @param samplePercent the share of the group's statements that are mirrored, from 0 to 100
 * @param statements the kinds of statement that may be mirrored; only read-only kinds exist
 */
public record ShadowGroup(RoutingGroup group, ClusterId cluster, double samplePercent, Set<ReadOnlyStatement> statements)
{
    public ShadowGroup
    {
        requireNonNull(group, "group is null");
        requireNonNull(cluster, "cluster is null");
        if (!(samplePercent >= 0 && samplePercent <= 100)) {
            throw new IllegalArgumentException("samplePercent must be between 0 and 100");
        }
        statements = Set.copyOf(statements);
    }
}
