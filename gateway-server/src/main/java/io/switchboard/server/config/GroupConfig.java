package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.routing.policy.Policies;

/**
 * How a routing group chooses among its clusters.
 *
 * @param policy {@code least-loaded} (default), {@code weighted-round-robin}, {@code random} or {@code user-hash}
 * @param fallback the group that takes this group's queries when none of its clusters is eligible; without one the
 *     group is isolated and such queries fail at once with an error naming it
 * @param holdWhenFull a cluster whose queued plus running queries reached its capacity takes no new query of this
 *     group; when all are full, queries wait in the gateway's queue
 * @param shadow the shadow cluster the group mirrors sampled read-only statements to; null for none
 */
public record GroupConfig(String policy, String fallback, Boolean holdWhenFull, GroupShadowConfig shadow)
{
    public GroupConfig
    {
        policy = policy == null ? "least-loaded" : policy;
        holdWhenFull = holdWhenFull != null && holdWhenFull;
        require(Policies.NAMES.contains(policy), "policy: must be one of " + Policies.NAMES + ", got '" + policy + "'");
    }

    public GroupConfig(String policy, String fallback)
    {
        this(policy, fallback, null, null);
    }

    static GroupConfig defaults()
    {
        return new GroupConfig(null, null, null, null);
    }
}
