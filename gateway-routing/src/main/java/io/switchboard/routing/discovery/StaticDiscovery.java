package io.switchboard.routing.discovery;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.Cluster;
import io.switchboard.core.spi.ClusterDiscovery;
import io.switchboard.core.spi.DiscoveredClusters;
import io.switchboard.core.spi.SourceStatus;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/** The {@code clusters} list of the config file: known at once, and changed only by a config reload. */
public final class StaticDiscovery
        implements ClusterDiscovery
{
    private final List<Cluster> clusters;
    private final Instant since;

    public StaticDiscovery(List<Cluster> clusters, Instant since)
    {
        this.clusters = List.copyOf(requireNonNull(clusters, "clusters is null"));
        this.since = requireNonNull(since, "since is null");
    }

    @Override
    public void start(Consumer<DiscoveredClusters> listener)
    {
        listener.accept(new DiscoveredClusters(clusters, Map.of()));
    }

    @Override
    public SourceStatus status()
    {
        return SourceStatus.local("static", since);
    }

    @Override
    public void close() {}
}
