package io.switchboard.server.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.proxy.FakeTrino;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestWorkerShutdown
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "an-admin-token-for-tests";

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeTrino coordinator;
    private FakeTrino worker;
    private GatewayServer gateway;

    @BeforeEach
    void start()
            throws Exception
    {
        coordinator = new FakeTrino("coordinator");
        worker = new FakeTrino("worker");
        coordinator.override("/v1/node", "[{\"uri\":\"%s\"},{\"uri\":\"%s\"}]".formatted(coordinator.uri(), worker.uri()));
        worker.override("/v1/info/state", "\"SHUTTING_DOWN\"");
        gateway = new GatewayServer(new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0"}
                admin: {listen: "127.0.0.1:0", token: %s, state-file: %s}
                clusters:
                  - {id: big, uri: "%s", routing-group: adhoc, load-probe: none}
                """.formatted(TOKEN, directory.resolve("states.json"), coordinator.uri()).getBytes(UTF_8), "test"), Map.of());
        gateway.start();
    }

    @AfterEach
    void stop()
    {
        gateway.close();
        coordinator.close();
        worker.close();
    }

    @Test
    void workersAreOnlyShutDownOnceTheClusterIsDrained()
            throws Exception
    {
        HttpResponse<String> refused = call("PUT", "/v1/gateway/clusters/big/workers/state", "{\"state\":\"SHUTTING_DOWN\"}");
        assertThat(refused.statusCode()).isEqualTo(409);
        assertThat(refused.body()).contains("not drained");

        call("PUT", "/v1/gateway/clusters/big/state", "{\"state\":\"DRAINING\"}");
        HttpResponse<String> accepted = call("PUT", "/v1/gateway/clusters/big/workers/state", "{\"state\":\"SHUTTING_DOWN\"}");

        assertThat(accepted.statusCode()).isEqualTo(202);
        JsonNode workers = JSON.readTree(accepted.body()).get("workers");
        assertThat(workers).hasSize(1);
        assertThat(workers.get(0).get("uri").asText()).isEqualTo(worker.uri());
        assertThat(workers.get(0).get("status").asInt()).isEqualTo(200);
        assertThat(worker.seen()).anySatisfy(seen -> {
            assertThat(seen.method()).isEqualTo("PUT");
            assertThat(seen.target()).isEqualTo("/v1/info/state");
            assertThat(seen.body()).isEqualTo("\"SHUTTING_DOWN\"");
        });
        assertThat(coordinator.seen()).noneSatisfy(seen -> assertThat(seen.target()).isEqualTo("/v1/info/state"));
    }

    private HttpResponse<String> call(String method, String path, String body)
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
