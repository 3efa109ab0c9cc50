package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.Cluster;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * Asks every worker of a drained cluster to shut down gracefully ({@code PUT /v1/info/state "SHUTTING_DOWN"}): each
 * finishes its running tasks and exits. The workers are those the coordinator lists at {@code /v1/node}; the
 * coordinator itself refuses the request, so it is never asked.
 */
public final class WorkerShutdown
{
    /** What one worker answered. */
    public record WorkerResult(String uri, int status, String error) {}

    private final HttpClient httpClient;
    private final ObjectMapper objectMapper;
    private final Duration timeout;

    public WorkerShutdown(HttpClient httpClient, ObjectMapper objectMapper, Duration timeout)
    {
        this.httpClient = requireNonNull(httpClient, "httpClient is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
        this.timeout = requireNonNull(timeout, "timeout is null");
    }

    public CompletableFuture<List<WorkerResult>> shutDownWorkers(Cluster cluster)
    {
        HttpRequest nodes = HttpRequest.newBuilder(cluster.endpoint("/v1/node"))
                .timeout(timeout)
                .header(cluster.userHeader(), LoadProber.PROBE_USER)
                .GET()
                .build();
        return httpClient.sendAsync(nodes, HttpResponse.BodyHandlers.ofByteArray()).thenCompose(response -> {
            List<URI> workers;
            try {
                workers = workers(cluster, response);
            }
            catch (IOException e) {
                return CompletableFuture.failedFuture(e);
            }
            List<CompletableFuture<WorkerResult>> results = new ArrayList<>();
            for (URI worker : workers) {
                results.add(shutDown(worker, cluster.userHeader()));
            }
            return CompletableFuture.allOf(results.toArray(CompletableFuture[]::new))
                    .thenApply(ignored -> results.stream().map(CompletableFuture::join).toList());
        });
    }

    private List<URI> workers(Cluster cluster, HttpResponse<byte[]> response)
            throws IOException
    {
        if (response.statusCode() != 200) {
            throw new IOException("/v1/node on " + cluster.id() + " answered " + response.statusCode());
        }
        JsonNode nodes = objectMapper.readTree(response.body());
        List<URI> workers = new ArrayList<>();
        for (JsonNode node : nodes) {
            String uri = node.path("uri").asText(null);
            if (uri == null) {
                continue;
            }
            URI parsed = URI.create(uri);
            boolean coordinator = parsed.getHost() != null && parsed.getHost().equals(cluster.uri().getHost()) && parsed.getPort() == cluster.port();
            if (!coordinator) {
                workers.add(parsed);
            }
        }
        return workers;
    }

    private CompletableFuture<WorkerResult> shutDown(URI worker, String userHeader)
    {
        HttpRequest request = HttpRequest.newBuilder(resolve(worker, "/v1/info/state"))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header(userHeader, LoadProber.PROBE_USER)
                .PUT(HttpRequest.BodyPublishers.ofString("\"SHUTTING_DOWN\""))
                .build();
        return httpClient.sendAsync(request, HttpResponse.BodyHandlers.ofString())
                .handle((response, failure) -> failure != null
                        ? new WorkerResult(worker.toString(), -1, String.valueOf(failure.getCause() != null ? failure.getCause() : failure))
                        : new WorkerResult(worker.toString(), response.statusCode(), response.statusCode() / 100 == 2 ? null : response.body()));
    }

    private static URI resolve(URI base, String path)
    {
        return URI.create(base.toString().replaceAll("/+$", "") + path);
    }
}
