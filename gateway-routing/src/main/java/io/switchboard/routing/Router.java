package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.protocol.GatewayErrorType;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/** Decides which cluster a new query goes to: its routing group, then the group's eligible clusters, then the policy. */
public final class Router
{
    /** The outcome of routing one submission. */
    public sealed interface Decision permits Routed, Rejected {}

    /** The query goes to this cluster. */
    public record Routed(ClusterStatus cluster, RoutingGroup group)
            implements Decision
    {
        public Routed
        {
            requireNonNull(cluster, "cluster is null");
            requireNonNull(group, "group is null");
        }
    }

    /** No cluster can take the query; the error says why. */
    public record Rejected(RoutingGroup group, GatewayError error)
            implements Decision
    {
        public Rejected
        {
            requireNonNull(group, "group is null");
            requireNonNull(error, "error is null");
        }
    }

    private final ClusterRegistry registry;
    private final RoutingGroup defaultGroup;
    private final RoutingPolicy policy;

    public Router(ClusterRegistry registry, RoutingGroup defaultGroup, RoutingPolicy policy)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.defaultGroup = requireNonNull(defaultGroup, "defaultGroup is null");
        this.policy = requireNonNull(policy, "policy is null");
    }

    public RoutingGroup defaultGroup()
    {
        return defaultGroup;
    }

    /**
     * @param excluded clusters already tried for this submission
     */
    public Decision route(RouteRequest request, Set<ClusterId> excluded)
    {
        RoutingGroup group = defaultGroup;
        List<ClusterStatus> members = registry.snapshot().group(group);
        List<ClusterStatus> eligible = members.stream()
                .filter(ClusterStatus::routable)
                .filter(status -> !excluded.contains(status.id()))
                .toList();
        Optional<ClusterStatus> chosen = eligible.isEmpty() ? Optional.empty() : policy.choose(request, eligible);
        if (chosen.isPresent()) {
            return new Routed(chosen.get(), group);
        }
        String reason = members.isEmpty()
                ? "it has no clusters"
                : excluded.isEmpty() ? "none of its " + members.size() + " clusters is healthy" : "every healthy cluster failed to accept the query";
        return new Rejected(group, new GatewayError(GatewayErrorType.NO_ELIGIBLE_CLUSTER,
                "No cluster available in routing group '" + group + "': " + reason));
    }
}
