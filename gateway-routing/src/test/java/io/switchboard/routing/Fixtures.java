package io.switchboard.routing;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterLoad;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.HealthState;
import io.switchboard.core.LoadProbeKind;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.StatementKind;
import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;

import java.net.URI;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Values for routing tests. */
public final class Fixtures
{
    private Fixtures() {}

    public static Cluster cluster(String id, String group, int weight, int capacity)
    {
        return new Cluster(ClusterId.of(id), URI.create("http://" + id + ":8080"), RoutingGroup.of(group), false, weight, capacity, LoadProbeKind.TRINO_METRICS, false);
    }

    public static ClusterStatus healthy(Cluster cluster, int queued, int running)
    {
        return ClusterStatus.unprobed(cluster)
                .withHealth(HealthState.HEALTHY, Instant.EPOCH, Optional.empty())
                .withLoad(new ClusterLoad(queued, running, Optional.of(Instant.EPOCH), Optional.empty()));
    }

    public static Candidate candidate(String id, int weight, int capacity, int load)
    {
        return new Candidate(healthy(cluster(id, "g", weight, capacity), 0, load), 0, 0);
    }

    public static RouteRequest request(String user, String source, String sql)
    {
        return new RouteRequest(Optional.ofNullable(user), Optional.ofNullable(source), Set.of(), Map.of(), StatementKind.of(sql), Optional.empty());
    }
}
