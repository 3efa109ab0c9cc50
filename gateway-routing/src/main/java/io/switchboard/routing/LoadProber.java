package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterLoad;
import io.switchboard.core.ClusterStatus;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads each cluster's queued and running queries at a fixed interval, from the endpoint its config names: Trino's
 * OpenMetrics {@code /metrics} or JMX view, or Presto's {@code /v1/cluster}.
 */
public final class LoadProber
        implements AutoCloseable
{
    /** The user the probes identify as; Trino's metrics and JMX endpoints need one. */
    public static final String PROBE_USER = "switchboard";
    private static final String QUEUED_METRIC = "trino_execution_name_QueryManager_QueuedQueries";
    private static final String RUNNING_METRIC = "trino_execution_name_QueryManager_RunningQueries";

    private final ClusterRegistry registry;
    private final LoadTracker loadTracker;
    private final HttpClient httpClient;
    private final ObjectMapper objectMapper;
    private final ScheduledExecutorService scheduler;
    private final Duration interval;
    private final Duration timeout;
    private final Clock clock;
    private ScheduledFuture<?> task;

    public LoadProber(ClusterRegistry registry, LoadTracker loadTracker, HttpClient httpClient, ObjectMapper objectMapper, ScheduledExecutorService scheduler, Duration interval, Duration timeout, Clock clock)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.loadTracker = requireNonNull(loadTracker, "loadTracker is null");
        this.httpClient = requireNonNull(httpClient, "httpClient is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
        this.scheduler = requireNonNull(scheduler, "scheduler is null");
        this.interval = requireNonNull(interval, "interval is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public synchronized void start()
    {
        if (task == null) {
            task = scheduler.scheduleWithFixedDelay(this::probeAll, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
        }
    }

    public void probeAll()
    {
        loadTracker.expireIdle();
        for (ClusterStatus status : registry.snapshot().clusters()) {
            if (status.routable()) {
                probe(status.cluster());
            }
        }
    }

    private void probe(Cluster cluster)
    {
        String path = switch (cluster.loadProbe()) {
            case TRINO_METRICS -> "/metrics";
            case TRINO_JMX -> "/v1/jmx/mbean/trino.execution:name=QueryManager";
            case PRESTO_CLUSTER -> "/v1/cluster";
            case NONE -> null;
        };
        if (path == null) {
            // nothing to read: the gateway's own in-flight count is the load, so the burst counter must not grow forever
            loadTracker.probed(cluster.id());
            return;
        }
        HttpRequest request = HttpRequest.newBuilder(cluster.endpoint(path))
                .timeout(timeout)
                .header(cluster.userHeader(), PROBE_USER)
                .GET()
                .build();
        httpClient.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).whenComplete((response, failure) -> {
            ClusterLoad load;
            try {
                if (failure != null) {
                    throw new IOException(failure.getCause() != null ? failure.getCause().toString() : failure.toString());
                }
                if (response.statusCode() != 200) {
                    throw new IOException(path + " answered " + response.statusCode());
                }
                load = parse(cluster, response.body());
                loadTracker.probed(cluster.id());
            }
            catch (IOException | RuntimeException e) {
                // an unreadable cluster falls back to its last known load and the gateway's in-flight count
                loadTracker.probed(cluster.id());
                ClusterLoad previous = registry.snapshot().find(cluster.id()).map(ClusterStatus::load).orElse(ClusterLoad.UNKNOWN);
                load = new ClusterLoad(previous.queued(), previous.running(), previous.probedAt(), Optional.of(String.valueOf(e.getMessage())));
            }
            ClusterLoad result = load;
            registry.update(cluster.id(), status -> status.withLoad(result));
        });
    }

    ClusterLoad parse(Cluster cluster, byte[] body)
            throws IOException
    {
        return switch (cluster.loadProbe()) {
            case TRINO_METRICS -> parseOpenMetrics(new String(body, StandardCharsets.UTF_8));
            case TRINO_JMX -> parseJmx(objectMapper.readTree(body));
            case PRESTO_CLUSTER -> parsePrestoCluster(objectMapper.readTree(body));
            case NONE -> ClusterLoad.UNKNOWN;
        };
    }

    private ClusterLoad parseOpenMetrics(String text)
            throws IOException
    {
        Double queued = null;
        Double running = null;
        for (String line : text.split("\n")) {
            if (line.isEmpty() || line.charAt(0) == '#') {
                continue;
            }
            String name = metricName(line);
            if (name.equals(QUEUED_METRIC)) {
                queued = value(line);
            }
            else if (name.equals(RUNNING_METRIC)) {
                running = value(line);
            }
        }
        if (queued == null || running == null) {
            throw new IOException("/metrics has no " + QUEUED_METRIC + " or " + RUNNING_METRIC);
        }
        return loaded(queued, running);
    }

    private static String metricName(String line)
    {
        int end = 0;
        while (end < line.length() && line.charAt(end) != '{' && !Character.isWhitespace(line.charAt(end))) {
            end++;
        }
        return line.substring(0, end);
    }

    private static Double value(String line)
    {
        String[] parts = line.trim().split("\\s+");
        return Double.parseDouble(parts[parts.length - 1]);
    }

    private ClusterLoad parseJmx(JsonNode mbean)
            throws IOException
    {
        Double queued = null;
        Double running = null;
        for (JsonNode attribute : mbean.path("attributes")) {
            String name = attribute.path("name").asText();
            if (name.equals("QueuedQueries")) {
                queued = attribute.path("value").asDouble();
            }
            else if (name.equals("RunningQueries")) {
                running = attribute.path("value").asDouble();
            }
        }
        if (queued == null || running == null) {
            throw new IOException("JMX QueryManager has no QueuedQueries or RunningQueries");
        }
        return loaded(queued, running);
    }

    private ClusterLoad parsePrestoCluster(JsonNode cluster)
            throws IOException
    {
        if (!cluster.has("queuedQueries") || !cluster.has("runningQueries")) {
            throw new IOException("/v1/cluster has no queuedQueries or runningQueries");
        }
        return loaded(cluster.get("queuedQueries").asDouble(), cluster.get("runningQueries").asDouble() + cluster.path("blockedQueries").asDouble());
    }

    private ClusterLoad loaded(double queued, double running)
    {
        return new ClusterLoad((int) Math.max(0, queued), (int) Math.max(0, running), Optional.of(clock.instant()), Optional.empty());
    }

    @Override
    public synchronized void close()
    {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }
}
