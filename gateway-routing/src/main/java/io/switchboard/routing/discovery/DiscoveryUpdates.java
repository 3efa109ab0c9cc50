package io.switchboard.routing.discovery;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.HealthState;
import io.switchboard.core.spi.DiscoveredClusters;
import io.switchboard.routing.ClusterAdministration;
import io.switchboard.routing.ClusterRegistry;

import java.io.IOException;
import java.time.Clock;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies what discovery reports to the registry, the way a config reload does: clusters that keep their id and
 * definition keep their health, load and admin state; new ones take their stored admin state. A cluster the source
 * reports failing (a Consul check that does not pass) turns unhealthy at once, and the health checker keeps it so
 * until the source and the gateway's own probe both find it well.
 */
public final class DiscoveryUpdates
{
    private static final Logger log = LoggerFactory.getLogger(DiscoveryUpdates.class);

    private final ClusterAdministration administration;
    private final ClusterRegistry registry;
    private final Runnable onChange;
    private final Clock clock;
    private volatile Map<ClusterId, String> failing = Map.of();

    /**
     * @param onChange runs after each change, off any lock: to probe new clusters at once and register their gauges
     */
    public DiscoveryUpdates(ClusterAdministration administration, ClusterRegistry registry, Runnable onChange, Clock clock)
    {
        this.administration = requireNonNull(administration, "administration is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.onChange = requireNonNull(onChange, "onChange is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public void apply(DiscoveredClusters discovered)
    {
        failing = discovered.failing();
        try {
            administration.replaceClusters(discovered.clusters());
        }
        catch (IOException e) {
            log.warn("event=discovery_update_refused reason=\"cannot read admin states: {}\" action=\"keeping the clusters known so far\"", e.getMessage());
            return;
        }
        discovered.failing().forEach((id, reason) -> registry.update(id, status -> {
            if (status.health() == HealthState.UNHEALTHY && status.lastError().equals(Optional.of(reason))) {
                return status;
            }
            return status.withHealth(HealthState.UNHEALTHY, clock.instant(), Optional.of(reason));
        })
                .filter(ClusterRegistry.StatusChange::healthChanged)
                .ifPresent(change -> log.info("event=health cluster={} health={} reason=\"{}\"", id, HealthState.UNHEALTHY, reason)));
        onChange.run();
    }

    /** Why the discovery source says a cluster must take no new query, if it does: the health checker's veto. */
    public Optional<String> failing(ClusterId cluster)
    {
        return Optional.ofNullable(failing.get(cluster));
    }
}
