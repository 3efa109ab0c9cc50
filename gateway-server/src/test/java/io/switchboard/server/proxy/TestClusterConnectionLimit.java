package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * {@code backend.max-connections}: requests beyond a cluster's connection limit wait for a connection instead of
 * opening more, and one that waits longer than the connect timeout gets a Trino-shaped error naming why.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestClusterConnectionLimit
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration HANG = Duration.ofSeconds(20);

    private MisbehavingTrino broken;
    private FakeTrino healthy;
    private GatewayServer gateway;
    private String proxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start()
            throws Exception
    {
        broken = new MisbehavingTrino();
        healthy = new FakeTrino("healthy");
        // one event-loop thread with one connection per cluster
        GatewayConfig config = new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0", io-threads: 1}
                admin: {listen: "127.0.0.1:0"}
                health: {interval: 200ms}
                backend: {connect-timeout: 1500ms, response-timeout: 5s, max-connections: 1}
                outlier: {consecutive-failures: 1000}
                routing:
                  default-group: broken
                  rules:
                    - {name: healthy, match: {user: healthy}, group: fine}
                clusters:
                  - {id: broken, uri: "%s", routing-group: broken, load-probe: none}
                  - {id: healthy, uri: "%s", routing-group: fine, load-probe: none}
                """.formatted(broken.uri(), healthy.uri()).getBytes(UTF_8), "test");
        gateway = new GatewayServer(config, Map.of());
        gateway.start();
        proxy = "http://127.0.0.1:" + gateway.proxyAddress().getPort();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !(submit("garbage", "test").statusCode() == 200 && submit("x", "healthy").statusCode() == 200)) {
            Thread.sleep(100);
        }
    }

    @AfterAll
    void stop()
            throws Exception
    {
        gateway.close();
        broken.close();
        healthy.close();
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void concurrentQueriesShareTheOneConnectionInTurn()
            throws Exception
    {
        List<CompletableFuture<HttpResponse<String>>> submissions = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            submissions.add(http.sendAsync(submitRequest("SELECT " + i, "healthy"), HttpResponse.BodyHandlers.ofString()));
        }

        for (CompletableFuture<HttpResponse<String>> submission : submissions) {
            HttpResponse<String> response = submission.get();
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(JSON.readTree(response.body()).at("/stats/state").asText()).as(response.body()).isEqualTo("QUEUED");
        }
    }

    @Test
    void aRequestThatFindsNoFreeConnectionWithinTheConnectTimeoutFailsTheQuery()
            throws Exception
    {
        String silent = JSON.readTree(submit("silent", "test").body()).get("nextUri").asText();
        String garbage = JSON.readTree(submit("garbage", "test").body()).get("nextUri").asText();
        // the silent poll holds the cluster's only connection until the response timeout
        int silentBefore = broken.silentPolls();
        CompletableFuture<HttpResponse<String>> held = http.sendAsync(HttpRequest.newBuilder(URI.create(silent)).timeout(HANG).build(), HttpResponse.BodyHandlers.ofString());
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (broken.silentPolls() == silentBefore && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }

        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(garbage)).timeout(HANG).build(), HttpResponse.BodyHandlers.ofString());

        assertThat(held).as("the silent poll still holds the connection").isNotDone();
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.at("/stats/state").asText()).as(response.body()).isEqualTo("FAILED");
        assertThat(body.at("/error/errorName").asText()).isEqualTo("CLUSTER_UNREACHABLE");
        assertThat(body.at("/error/message").asText()).contains("no connection to cluster broken became free within 1500 ms");
        assertThat(JSON.readTree(held.get().body()).at("/error/errorName").asText()).isEqualTo("CLUSTER_TIMEOUT");
        HttpResponse<String> metrics = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.body()).contains("switchboard_backend_connection_wait_timeouts_total{cluster=\"broken\"} 1.0");
    }

    private HttpResponse<String> submit(String sql, String user)
            throws Exception
    {
        return http.send(submitRequest(sql, user), HttpResponse.BodyHandlers.ofString());
    }

    private HttpRequest submitRequest(String sql, String user)
    {
        return HttpRequest.newBuilder(URI.create(proxy + "/v1/statement"))
                .header("X-Trino-User", user)
                .timeout(HANG)
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build();
    }
}
