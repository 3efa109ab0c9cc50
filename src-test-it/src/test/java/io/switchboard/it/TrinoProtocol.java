package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.UnaryOperator;

/** A raw client of Trino's HTTP statement protocol, for what the CLI and the JDBC driver hide from a test. */
final class TrinoProtocol
{
    static final ObjectMapper JSON = new ObjectMapper();
    static final Map<String, String> TRINO_USER = Map.of("X-Trino-User", "test");

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
    private static final int MAX_ANSWERS_PER_QUERY = 100_000;

    // HTTP/1.1 as the Trino clients speak it; the JDK's default would add an h2c upgrade that no real client sends
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    ProtocolResponse submit(URI server, String sql, Map<String, String> headers)
            throws IOException, InterruptedException
    {
        URI uri = server.resolve("/v1/statement");
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .POST(HttpRequest.BodyPublishers.ofString(sql, UTF_8))
                .timeout(REQUEST_TIMEOUT);
        headers.forEach(request::header);
        return send(uri, request);
    }

    ProtocolResponse get(URI uri, Map<String, String> headers)
            throws IOException, InterruptedException
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).GET().timeout(REQUEST_TIMEOUT);
        headers.forEach(request::header);
        return send(uri, request);
    }

    ProtocolResponse delete(URI uri, Map<String, String> headers)
            throws IOException, InterruptedException
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).DELETE().timeout(REQUEST_TIMEOUT);
        headers.forEach(request::header);
        return send(uri, request);
    }

    /** Submits a statement and follows every nextUri as it comes. */
    QueryOutcome execute(URI server, String sql, Map<String, String> headers)
            throws IOException, InterruptedException
    {
        return followToEnd(submit(server, sql, headers), headers, UnaryOperator.identity());
    }

    /**
     * Submits a statement and polls only until it is {@code RUNNING} (or has ended), then stops: the query keeps
     * running on its coordinator, which dispatches a query only once its client polls, until the client's timeout.
     */
    ProtocolResponse submitAndAwaitRunning(URI server, String sql, Map<String, String> headers)
            throws IOException, InterruptedException
    {
        ProtocolResponse response = submit(server, sql, headers);
        int answers = 1;
        while (!response.state().orElse("").equals("RUNNING") && response.nextUri().isPresent()) {
            if (answers++ >= MAX_ANSWERS_PER_QUERY) {
                throw new AssertionError("not running after " + answers + " answers; last: " + response);
            }
            response = get(response.nextUri().get(), headers);
        }
        return response;
    }

    /**
     * Submits a statement and polls only until the first rows arrive (or the query ends), then stops: the query stays
     * open on its coordinator, as with a client that reads slowly, until {@link #followToEnd} takes the rest. A query
     * whose result fits Trino's output buffer waits in {@code FINISHING}, which Trino's {@code RunningQueries} metric
     * does not count.
     */
    ProtocolResponse submitAndAwaitFirstRows(URI server, String sql, Map<String, String> headers)
            throws IOException, InterruptedException
    {
        ProtocolResponse response = submit(server, sql, headers);
        int answers = 1;
        while (response.status() == 200 && response.isJson() && !response.json().has("data") && response.nextUri().isPresent()) {
            if (answers++ >= MAX_ANSWERS_PER_QUERY) {
                throw new AssertionError("no rows after " + answers + " answers; last: " + response);
            }
            response = get(response.nextUri().get(), headers);
        }
        return response;
    }

    /**
     * Follows nextUri from {@code first} until an answer has none or is not HTTP 200; {@code rewrite} lets a test
     * send the follow-ups somewhere else than where the URIs point.
     */
    QueryOutcome followToEnd(ProtocolResponse first, Map<String, String> headers, UnaryOperator<URI> rewrite)
            throws IOException, InterruptedException
    {
        List<ProtocolResponse> responses = new ArrayList<>();
        List<JsonNode> rows = new ArrayList<>();
        ProtocolResponse response = first;
        while (true) {
            responses.add(response);
            if (response.status() == 200 && response.isJson()) {
                response.json().path("data").forEach(rows::add);
            }
            Optional<URI> next = response.nextUri();
            if (next.isEmpty()) {
                return new QueryOutcome(responses, rows);
            }
            if (responses.size() >= MAX_ANSWERS_PER_QUERY) {
                throw new AssertionError("query did not end after " + responses.size() + " answers; last: " + response);
            }
            response = get(rewrite.apply(next.get()), headers);
        }
    }

    /** Trino's own list of the queries it knows, each with {@code queryId}, {@code state} and the {@code query} text. */
    List<JsonNode> queries(URI trino)
            throws IOException, InterruptedException
    {
        ProtocolResponse response = get(trino.resolve("/v1/query"), TRINO_USER);
        if (response.status() != 200) {
            throw new AssertionError("listing queries failed: " + response);
        }
        List<JsonNode> queries = new ArrayList<>();
        response.json().forEach(queries::add);
        return queries;
    }

    /** Trino's full QueryInfo, or empty when this server does not know the query. */
    Optional<JsonNode> queryInfo(URI trino, String queryId)
            throws IOException, InterruptedException
    {
        ProtocolResponse response = get(trino.resolve("/v1/query/" + queryId), TRINO_USER);
        if (response.status() == 404 || response.status() == 410) {
            return Optional.empty();
        }
        if (response.status() != 200) {
            throw new AssertionError("reading query " + queryId + " failed: " + response);
        }
        return Optional.of(response.json());
    }

    /** Cancels a query directly on its coordinator, so a test that failed cannot leave it burning CPU. */
    void cancelQuery(URI trino, String queryId)
            throws IOException, InterruptedException
    {
        delete(trino.resolve("/v1/query/" + queryId), TRINO_USER);
    }

    private ProtocolResponse send(URI uri, HttpRequest.Builder request)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        return new ProtocolResponse(uri, response.statusCode(), response.headers(), response.body());
    }
}
