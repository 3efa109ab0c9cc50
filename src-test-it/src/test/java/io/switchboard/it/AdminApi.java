package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;

/** The gateway's admin API as an operator calls it with curl: JSON in and out, with or without the bearer token. */
final class AdminApi
{
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

    private final URI adminUri;
    private final Optional<String> token;
    private final HttpClient client = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    AdminApi(URI adminUri, Optional<String> token)
    {
        this.adminUri = requireNonNull(adminUri, "adminUri is null");
        this.token = requireNonNull(token, "token is null");
    }

    AdminApi withoutToken()
    {
        return new AdminApi(adminUri, Optional.empty());
    }

    AdminApi withToken(String otherToken)
    {
        return new AdminApi(adminUri, Optional.of(otherToken));
    }

    ProtocolResponse get(String pathAndQuery)
            throws IOException, InterruptedException
    {
        return send(pathAndQuery, request(pathAndQuery).GET());
    }

    ProtocolResponse put(String path, Object body)
            throws IOException, InterruptedException
    {
        return send(path, request(path).PUT(json(body)));
    }

    ProtocolResponse post(String path, Object body)
            throws IOException, InterruptedException
    {
        return send(path, request(path).POST(json(body)));
    }

    ProtocolResponse delete(String path)
            throws IOException, InterruptedException
    {
        return send(path, request(path).DELETE());
    }

    /** {@code GET /v1/gateway/clusters/{id}}, which must answer 200. */
    JsonNode cluster(String id)
            throws IOException, InterruptedException
    {
        return requireOk(get("/v1/gateway/clusters/" + id));
    }

    /** {@code PUT /v1/gateway/clusters/{id}/state}, as {@code {"state": "DRAINING"}}. */
    ProtocolResponse setState(String id, String state)
            throws IOException, InterruptedException
    {
        return put("/v1/gateway/clusters/" + id + "/state", Map.of("state", state));
    }

    /** {@code POST /v1/gateway/route/explain} for a submission with these headers and SQL text, which must answer 200. */
    JsonNode explain(Map<String, String> headers, String sql)
            throws IOException, InterruptedException
    {
        return requireOk(post("/v1/gateway/route/explain", Map.of("headers", headers, "sql", sql)));
    }

    private static JsonNode requireOk(ProtocolResponse response)
    {
        if (response.status() != 200) {
            throw new AssertionError("admin API: " + response);
        }
        return response.json();
    }

    private HttpRequest.Builder request(String pathAndQuery)
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(adminUri.resolve(pathAndQuery))
                .timeout(REQUEST_TIMEOUT)
                .header("Content-Type", "application/json");
        token.ifPresent(value -> request.header("Authorization", "Bearer " + value));
        return request;
    }

    private static HttpRequest.BodyPublisher json(Object body)
    {
        try {
            return HttpRequest.BodyPublishers.ofString(TrinoProtocol.JSON.writeValueAsString(body), UTF_8);
        }
        catch (JsonProcessingException e) {
            throw new IllegalArgumentException("cannot write " + body + " as JSON", e);
        }
    }

    private ProtocolResponse send(String pathAndQuery, HttpRequest.Builder request)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = client.send(request.build(), HttpResponse.BodyHandlers.ofString(UTF_8));
        return new ProtocolResponse(adminUri.resolve(pathAndQuery), response.statusCode(), response.headers(), response.body());
    }
}
