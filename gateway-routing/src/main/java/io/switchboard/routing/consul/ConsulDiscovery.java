package io.switchboard.routing.consul;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.spi.ClusterDiscovery;
import io.switchboard.core.spi.DiscoveredClusters;
import io.switchboard.core.spi.SourceStatus;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;
import org.kiwiproject.consul.util.Jackson;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Clusters from the Consul catalog: every instance of one service, watched on {@code /v1/health/service/<name>} with
 * blocking queries. Instances whose checks fail stay clusters that take no new query. An instance that leaves the
 * catalog stays known, failing, for {@code departureGrace}, so that the follow-ups of its running queries still find
 * it; after that it is dropped at the next answer from Consul.
 */
public final class ConsulDiscovery
        implements ClusterDiscovery
{
    private static final Logger log = LoggerFactory.getLogger(ConsulDiscovery.class);

    /**
     * @param tag only instances carrying this tag, when present
     * @param defaultGroup the routing group of instances whose meta names none
     * @param cacheFile where Consul's last answer is kept, to start from when Consul is down at start
     */
    public record Settings(String service, Optional<String> tag, Optional<String> datacenter, RoutingGroup defaultGroup, Duration departureGrace,
            BlockingQueryWatch.Settings watch, Optional<Path> cacheFile)
    {
        public Settings
        {
            requireNonNull(service, "service is null");
            requireNonNull(tag, "tag is null");
            requireNonNull(datacenter, "datacenter is null");
            requireNonNull(defaultGroup, "defaultGroup is null");
            requireNonNull(departureGrace, "departureGrace is null");
            requireNonNull(watch, "watch is null");
            requireNonNull(cacheFile, "cacheFile is null");
        }

        public Settings(String service, Optional<String> tag, Optional<String> datacenter, RoutingGroup defaultGroup, Duration departureGrace,
                BlockingQueryWatch.Settings watch)
        {
            this(service, tag, datacenter, defaultGroup, departureGrace, watch, Optional.empty());
        }
    }

    private static final TypeReference<List<ServiceHealth>> INSTANCES = new TypeReference<>() {};

    private record Departed(Cluster cluster, Instant at) {}

    private final Consul consul;
    private final Settings settings;
    private final Clock clock;
    private final Map<ClusterId, Departed> departed = new HashMap<>();
    private BlockingQueryWatch<List<ServiceHealth>> watch;
    private Consumer<DiscoveredClusters> listener;
    private DiscoveredClusters last;
    private List<String> lastProblems = List.of();
    private boolean closed;
    private final CompletableFuture<Void> firstAnswer = new CompletableFuture<>();

    public ConsulDiscovery(Consul consul, Settings settings, Clock clock)
    {
        this.consul = requireNonNull(consul, "consul is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    @Override
    public synchronized void start(Consumer<DiscoveredClusters> listener)
    {
        if (watch != null) {
            throw new IllegalStateException("already started");
        }
        this.listener = requireNonNull(listener, "listener is null");
        // the last answer kept from before the start: routing begins on it, and Consul's first answer replaces it
        // (an instance that left meanwhile stays known for the departure grace, as any departure does)
        settings.cacheFile().flatMap(this::readCache).ifPresent(cached -> {
            log.info("event=clusters_from_cache file={} instances={}", settings.cacheFile().get(), cached.size());
            apply(cached, false);
        });
        watch = new BlockingQueryWatch<>("discovery", this::fetch, this::update, settings.watch(), clock);
        watch.start();
    }

    private ConsulResponse<List<ServiceHealth>> fetch(BigInteger index, Duration wait)
    {
        return consul.healthClient().getAllServiceInstances(settings.service(), queryOptions(index, wait, settings.datacenter(), settings.tag()));
    }

    static QueryOptions queryOptions(BigInteger index, Duration wait, Optional<String> datacenter, Optional<String> tag)
    {
        ImmutableQueryOptions.Builder options = index.signum() > 0
                ? QueryOptions.blockSeconds((int) Math.max(1, wait.toSeconds()), index)
                : ImmutableQueryOptions.builder();
        datacenter.ifPresent(options::datacenter);
        tag.ifPresent(options::addTag);
        return options.build();
    }

    /** Turns one answer of Consul into the clusters to use, and tells the listener when they changed. */
    synchronized void update(List<ServiceHealth> instances)
    {
        apply(instances, true);
        firstAnswer.complete(null);
    }

    @Override
    public CompletableFuture<Void> firstAnswer()
    {
        return firstAnswer;
    }

    private void apply(List<ServiceHealth> instances, boolean fromConsul)
    {
        if (closed) {
            // the answer of a blocking query still in flight when the discovery closed
            return;
        }
        ServiceInstances.Result result = ServiceInstances.map(instances == null ? List.of() : instances, settings.defaultGroup());
        if (!result.problems().equals(lastProblems)) {
            result.problems().forEach(problem -> log.warn("event=consul_instance_ignored service={} problem=\"{}\"", settings.service(), problem));
            lastProblems = result.problems();
        }
        Instant now = clock.instant();
        Map<ClusterId, Cluster> present = new LinkedHashMap<>();
        result.clusters().forEach(cluster -> present.put(cluster.id(), cluster));
        if (last != null) {
            for (Cluster known : last.clusters()) {
                if (!present.containsKey(known.id()) && !departed.containsKey(known.id())) {
                    departed.put(known.id(), new Departed(known, now));
                    log.info("event=cluster_departed cluster={} service={} kept_until={}", known.id(), settings.service(), now.plus(settings.departureGrace()));
                }
            }
        }
        departed.keySet().removeIf(present::containsKey);
        departed.values().removeIf(gone -> {
            boolean expired = !now.isBefore(gone.at().plus(settings.departureGrace()));
            if (expired) {
                log.info("event=cluster_removed cluster={} service={} departed_at={}", gone.cluster().id(), settings.service(), gone.at());
            }
            return expired;
        });
        List<Cluster> clusters = new ArrayList<>(present.values());
        Map<ClusterId, String> failing = new HashMap<>(result.failing());
        for (Departed gone : departed.values()) {
            clusters.add(gone.cluster());
            failing.put(gone.cluster().id(), "no longer registered in Consul service '" + settings.service() + "' since " + gone.at()
                    + "; known until " + gone.at().plus(settings.departureGrace()) + " so that its running queries finish");
        }
        clusters.sort(Comparator.comparing(cluster -> cluster.id().value()));
        DiscoveredClusters discovered = new DiscoveredClusters(clusters, failing);
        if (!discovered.equals(last)) {
            last = discovered;
            log.info("event=clusters_discovered service={} clusters={} failing={}", settings.service(), clusters.stream().map(Cluster::id).toList(), failing.keySet());
            listener.accept(discovered);
            if (fromConsul) {
                settings.cacheFile().ifPresent(file -> writeCache(file, instances == null ? List.of() : instances));
            }
        }
    }

    private Optional<List<ServiceHealth>> readCache(Path file)
    {
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Jackson.MAPPER.readValue(Files.readAllBytes(file), INSTANCES));
        }
        catch (IOException | RuntimeException e) {
            log.warn("event=clusters_cache_unreadable file={} reason=\"{}\" action=\"starting without it\"", file, e.getMessage());
            return Optional.empty();
        }
    }

    /** Replaces the cache whole: a reader sees the old answer or the new one, never part of one. */
    private void writeCache(Path file, List<ServiceHealth> instances)
    {
        Path absolute = file.toAbsolutePath();
        Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        try {
            Files.write(temporary, Jackson.MAPPER.writeValueAsBytes(instances));
            Files.move(temporary, absolute, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        }
        catch (IOException | RuntimeException e) {
            log.warn("event=clusters_cache_not_written file={} reason=\"{}\"", file, e.getMessage());
        }
    }

    @Override
    public SourceStatus status()
    {
        BlockingQueryWatch<?> current;
        synchronized (this) {
            current = watch;
        }
        return current == null ? new SourceStatus("consul", false, clock.instant(), Optional.empty(), Optional.of("not started")) : current.status();
    }

    @Override
    public synchronized void close()
    {
        closed = true;
        firstAnswer.complete(null);
        if (watch != null) {
            watch.close();
        }
    }
}
