package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.QueryId;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Finds the cluster that owns a query when the affinity map has forgotten it: asks every cluster's
 * {@code /v1/query/{id}} at once, and takes the first that knows it, within a deadline.
 */
public final class QueryLocator
{
    private final ClusterRegistry registry;
    private final HttpClient httpClient;
    private final Duration deadline;

    public QueryLocator(ClusterRegistry registry, HttpClient httpClient, Duration deadline)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.httpClient = requireNonNull(httpClient, "httpClient is null");
        this.deadline = requireNonNull(deadline, "deadline is null");
    }

    /**
     * @param identity headers that authenticate the asker (user, authorization), passed to every cluster; when empty,
     *     the gateway asks as its probe user
     */
    public CompletableFuture<Optional<ClusterId>> locate(QueryId query, Map<String, String> identity)
    {
        List<ClusterStatus> clusters = registry.snapshot().clusters();
        CompletableFuture<Optional<ClusterId>> result = new CompletableFuture<>();
        if (clusters.isEmpty()) {
            result.complete(Optional.empty());
            return result;
        }
        AtomicInteger pending = new AtomicInteger(clusters.size());
        for (ClusterStatus status : clusters) {
            HttpRequest.Builder request = HttpRequest.newBuilder(status.cluster().endpoint("/v1/query/" + query.value()))
                    .timeout(deadline)
                    .GET();
            if (identity.isEmpty()) {
                request.header(status.cluster().userHeader(), LoadProber.PROBE_USER);
            }
            identity.forEach(request::header);
            httpClient.sendAsync(request.build(), HttpResponse.BodyHandlers.discarding())
                    .whenComplete((response, failure) -> {
                        if (failure == null && response.statusCode() == 200) {
                            result.complete(Optional.of(status.id()));
                        }
                        if (pending.decrementAndGet() == 0) {
                            result.complete(Optional.empty());
                        }
                    });
        }
        return result.completeOnTimeout(Optional.empty(), deadline.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }
}
