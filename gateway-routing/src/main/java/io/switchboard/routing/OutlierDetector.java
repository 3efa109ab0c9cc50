package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Passive outlier ejection, from what the proxy sees: after {@code consecutiveFailures} connect failures or 5xx
 * answers in a row, a cluster is ejected for a back-off that doubles with each ejection in a row, up to a maximum.
 * Once the back-off ends the cluster takes queries again if the active health check still finds it healthy; a success
 * resets its record.
 */
public final class OutlierDetector
{
    private static final Logger log = LoggerFactory.getLogger(OutlierDetector.class);

    /** Thresholds and back-off. */
    public record Settings(int consecutiveFailures, Duration baseEjection, Duration maxEjection)
    {
        public Settings
        {
            requireNonNull(baseEjection, "baseEjection is null");
            requireNonNull(maxEjection, "maxEjection is null");
            if (consecutiveFailures < 1) {
                throw new IllegalArgumentException("consecutiveFailures must be at least 1");
            }
        }
    }

    private static final class Record
    {
        int failures;
        int ejections;
    }

    private final ClusterRegistry registry;
    private final Settings settings;
    private final Clock clock;
    private final Map<ClusterId, Record> records = new ConcurrentHashMap<>();
    private final java.util.function.Consumer<ClusterId> onEjection;

    public OutlierDetector(ClusterRegistry registry, Settings settings, Clock clock)
    {
        this(registry, settings, clock, cluster -> {});
    }

    /**
     * @param onEjection told of every ejection, for metrics
     */
    public OutlierDetector(ClusterRegistry registry, Settings settings, Clock clock, java.util.function.Consumer<ClusterId> onEjection)
    {
        this.onEjection = requireNonNull(onEjection, "onEjection is null");
        this.registry = requireNonNull(registry, "registry is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public void onSuccess(ClusterId cluster)
    {
        Record record = records.get(cluster);
        if (record == null) {
            return;
        }
        synchronized (record) {
            record.failures = 0;
            if (record.ejections > 0 && !registry.snapshot().find(cluster).map(status -> status.ejectedAt(clock.instant())).orElse(false)) {
                record.ejections = 0;
            }
        }
    }

    public void onFailure(ClusterId cluster, String reason)
    {
        Record record = records.computeIfAbsent(cluster, ignored -> new Record());
        Duration ejection;
        synchronized (record) {
            record.failures++;
            if (record.failures < settings.consecutiveFailures()) {
                return;
            }
            record.failures = 0;
            record.ejections++;
            long factor = 1L << Math.min(20, record.ejections - 1);
            ejection = settings.baseEjection().multipliedBy(factor);
            if (ejection.compareTo(settings.maxEjection()) > 0) {
                ejection = settings.maxEjection();
            }
        }
        Instant until = clock.instant().plus(ejection);
        registry.update(cluster, status -> status.withEjectedUntil(Optional.of(until)));
        log.warn("event=ejected cluster={} for_ms={} until={} reason=\"{}\"", cluster, ejection.toMillis(), until, reason);
        onEjection.accept(cluster);
    }
}
