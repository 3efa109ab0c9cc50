package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.HealthState;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Active health check: asks every cluster's {@code /v1/info} at a fixed interval; a cluster is healthy when it
 * answers 200 with {@code "starting": false}, after the configured number of consecutive results.
 */
public final class HealthChecker
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(HealthChecker.class);

    /** When and how a cluster is probed. */
    public record Settings(Duration interval, Duration timeout, int healthyThreshold, int unhealthyThreshold)
    {
        public Settings
        {
            requireNonNull(interval, "interval is null");
            requireNonNull(timeout, "timeout is null");
            if (healthyThreshold < 1 || unhealthyThreshold < 1) {
                throw new IllegalArgumentException("thresholds must be at least 1");
            }
        }
    }

    private final ClusterRegistry registry;
    private final HttpClient httpClient;
    private final ObjectMapper objectMapper;
    private final ScheduledExecutorService scheduler;
    private final Settings settings;
    private final Clock clock;
    private final java.util.function.Function<ClusterId, Optional<String>> veto;
    private final Map<ClusterId, int[]> streaks = new ConcurrentHashMap<>();
    private ScheduledFuture<?> task;

    public HealthChecker(ClusterRegistry registry, HttpClient httpClient, ObjectMapper objectMapper, ScheduledExecutorService scheduler, Settings settings, Clock clock)
    {
        this(registry, httpClient, objectMapper, scheduler, settings, clock, cluster -> Optional.empty());
    }

    /**
     * @param veto why a cluster must count as failing whatever its probe says (its Consul check does not pass), if it must
     */
    public HealthChecker(ClusterRegistry registry, HttpClient httpClient, ObjectMapper objectMapper, ScheduledExecutorService scheduler, Settings settings, Clock clock,
            java.util.function.Function<ClusterId, Optional<String>> veto)
    {
        this.veto = requireNonNull(veto, "veto is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.httpClient = requireNonNull(httpClient, "httpClient is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    /**
     * Probes every cluster now and then every interval.
     *
     * @return done when every cluster known now has its first verdict, so that the gateway can wait for it before it
     * takes queries instead of refusing the first ones for want of a healthy cluster
     */
    public synchronized CompletableFuture<Void> start()
    {
        if (task != null) {
            return CompletableFuture.completedFuture(null);
        }
        CompletableFuture<Void> firstRound = probeAll();
        long interval = settings.interval().toMillis();
        task = scheduler.scheduleWithFixedDelay(this::probeAll, interval, interval, TimeUnit.MILLISECONDS);
        return firstRound;
    }

    /** Probes every cluster once, without waiting for the answers: done when each answer (or failure) is recorded. */
    public CompletableFuture<Void> probeAll()
    {
        List<CompletableFuture<Void>> probes = new ArrayList<>();
        for (ClusterStatus status : registry.snapshot().clusters()) {
            probes.add(probe(status.cluster()));
        }
        return CompletableFuture.allOf(probes.toArray(CompletableFuture[]::new));
    }

    private CompletableFuture<Void> probe(Cluster cluster)
    {
        HttpRequest request = HttpRequest.newBuilder(infoUri(cluster))
                .timeout(settings.timeout())
                .header("Accept", "application/json")
                .GET()
                .build();
        return httpClient.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
                .handle((response, failure) -> {
                    Optional<String> error;
                    if (failure != null) {
                        error = Optional.of(describe(failure));
                    }
                    else {
                        error = verdict(response);
                    }
                    record(cluster.id(), error);
                    return null;
                });
    }

    private Optional<String> verdict(HttpResponse<byte[]> response)
    {
        if (response.statusCode() != 200) {
            return Optional.of("/v1/info answered " + response.statusCode());
        }
        try {
            JsonNode info = objectMapper.readTree(response.body());
            JsonNode starting = info.get("starting");
            if (starting == null || !starting.isBoolean()) {
                return Optional.of("/v1/info has no boolean 'starting'");
            }
            return starting.booleanValue() ? Optional.of("cluster is starting") : Optional.empty();
        }
        catch (java.io.IOException e) {
            return Optional.of("/v1/info is not JSON: " + e.getMessage());
        }
    }

    private void record(ClusterId id, Optional<String> probeError)
    {
        Optional<String> error = probeError.isPresent() ? probeError : veto.apply(id);
        int[] streak = streaks.computeIfAbsent(id, ignored -> new int[2]);
        int successes;
        int failures;
        synchronized (streak) {
            if (error.isEmpty()) {
                streak[0]++;
                streak[1] = 0;
            }
            else {
                streak[1]++;
                streak[0] = 0;
            }
            successes = streak[0];
            failures = streak[1];
        }
        registry.update(id, status -> {
            HealthState next = status.health();
            if (successes >= settings.healthyThreshold()) {
                next = HealthState.HEALTHY;
            }
            else if (failures >= settings.unhealthyThreshold() || (status.health() == HealthState.UNKNOWN && failures > 0)) {
                next = HealthState.UNHEALTHY;
            }
            return status.withHealth(next, clock.instant(), error);
        })
                .filter(ClusterRegistry.StatusChange::healthChanged)
                .ifPresent(change -> log.info("event=health cluster={} health={} reason=\"{}\"", id, change.after().health(), error.orElse("probe succeeded")));
    }

    private static String describe(Throwable failure)
    {
        Throwable cause = failure instanceof java.util.concurrent.CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        String message = cause.getMessage();
        return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
    }

    @Override
    public synchronized void close()
    {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    /** The URI a probe asks. */
    static URI infoUri(Cluster cluster)
    {
        return cluster.endpoint("/v1/info");
    }
}
