package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * A cluster that accepts and never answers, answers garbage, closes mid-body, stalls mid-body or answers 500: the
 * client gets a clear error within the configured timeouts, the one event loop stays free for others, and no buffer
 * leaks.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestBrokenBackends
{
    private static final ObjectMapper JSON = new ObjectMapper();
    /** Far above the gateway's 1 s timeouts: an answer later than this is a hang. */
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
        // one event-loop thread: any blocking would stall the healthy cluster's queries too
        GatewayConfig config = new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0", io-threads: 1}
                admin: {listen: "127.0.0.1:0"}
                health: {interval: 200ms}
                backend: {connect-timeout: 500ms, response-timeout: 1s, idle-timeout: 1s}
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
        while (System.nanoTime() < deadline && !(submit("garbage", "test").statusCode() == 200 && submit("x", "healthy").statusCode() == 200
                && JSON.readTree(submit("garbage", "test").body()).has("nextUri") && JSON.readTree(submit("x", "healthy").body()).has("nextUri"))) {
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
    void aClusterThatAcceptsAPollAndNeverAnswersFailsTheQueryWithATimeout()
            throws Exception
    {
        assertFailedPoll("silent", "CLUSTER_TIMEOUT");
    }

    @Test
    void aClusterThatAcceptsASubmissionAndNeverAnswersFailsTheQueryWithATimeout()
            throws Exception
    {
        HttpResponse<String> response = submit("silent-submit", "test");

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.at("/stats/state").asText()).isEqualTo("FAILED");
        assertThat(body.at("/error/errorName").asText()).isEqualTo("CLUSTER_TIMEOUT");
        assertThat(body.at("/error/message").asText()).contains("'broken'");
    }

    @Test
    void garbageInsteadOfJsonFailsTheQuery()
            throws Exception
    {
        assertFailedPoll("garbage", "CLUSTER_BAD_RESPONSE");
    }

    @Test
    void aClusterThatClosesWithoutAByteFailsTheQuery()
            throws Exception
    {
        assertFailedPoll("reset", "CLUSTER_CONNECTION_CLOSED");
    }

    @Test
    void aClusterThatClosesMidBodyCutsTheClientConnection()
            throws Exception
    {
        assertCutMidBody("truncated");
    }

    @Test
    void aClusterThatStallsMidBodyIsCutAtTheIdleTimeout()
            throws Exception
    {
        assertCutMidBody("stall");
    }

    @Test
    void a500PassesThroughAsTheClustersOwnError()
            throws Exception
    {
        HttpResponse<String> response = poll("error500");

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(response.body()).contains("the coordinator broke");
    }

    @Test
    void aWedgedClusterDoesNotHoldUpTheEventLoop()
            throws Exception
    {
        String next = JSON.readTree(submit("silent", "test").body()).get("nextUri").asText();
        CompletableFuture<HttpResponse<String>> wedged = http.sendAsync(HttpRequest.newBuilder(URI.create(next)).timeout(HANG).build(), HttpResponse.BodyHandlers.ofString());

        // while the wedged poll waits on the only event loop, a healthy cluster's query runs to its end there
        for (int i = 0; i < 5; i++) {
            assertThat(wedged).as("the wedged poll is still waiting").isNotDone();
            HttpResponse<String> fine = submit("SELECT " + i, "healthy");
            assertThat(JSON.readTree(fine.body()).at("/stats/state").asText()).isEqualTo("QUEUED");
        }
        assertThat(JSON.readTree(wedged.get().body()).at("/error/errorName").asText()).isEqualTo("CLUSTER_TIMEOUT");
    }

    private void assertFailedPoll(String mode, String errorName)
            throws Exception
    {
        HttpResponse<String> response = poll(mode);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = JSON.readTree(response.body());
        assertThat(body.at("/stats/state").asText()).isEqualTo("FAILED");
        assertThat(body.at("/error/errorName").asText()).isEqualTo(errorName);
        assertThat(body.at("/error/message").asText()).contains("'broken'");
        assertThat(body.has("nextUri")).isFalse();
    }

    private void assertCutMidBody(String mode)
            throws Exception
    {
        String next = JSON.readTree(submit(mode, "test").body()).get("nextUri").asText();
        try {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(next)).timeout(HANG).build(), HttpResponse.BodyHandlers.ofString());
            throw new AssertionError("a whole response came back: " + response.statusCode() + " " + response.body());
        }
        catch (IOException e) {
            assertThat(e).as("the connection was cut, not timed out by the client").isNotInstanceOf(java.net.http.HttpTimeoutException.class);
        }
    }

    private HttpResponse<String> poll(String mode)
            throws Exception
    {
        String next = JSON.readTree(submit(mode, "test").body()).get("nextUri").asText();
        return http.send(HttpRequest.newBuilder(URI.create(next)).timeout(HANG).build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> submit(String sql, String user)
            throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create(proxy + "/v1/statement"))
                .header("X-Trino-User", user)
                .timeout(HANG)
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(), HttpResponse.BodyHandlers.ofString());
    }
}
