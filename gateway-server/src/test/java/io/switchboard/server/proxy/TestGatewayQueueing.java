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
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The gateway's queue as a client sees it: a query over its user's limit, or facing full clusters, is answered QUEUED
 * by the gateway, keeps polling, and runs once a slot frees; the queue is bounded in length and wait.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestGatewayQueueing
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeTrino alpha;
    private FakeTrino beta;
    private GatewayServer gateway;
    private String proxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start()
            throws Exception
    {
        alpha = new FakeTrino("alpha");
        beta = new FakeTrino("beta");
        GatewayConfig config = new ConfigLoader().parse("""
                server:
                  listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                  token: queue-test-admin-token
                health:
                  interval: 200ms
                routing:
                  default-group: adhoc
                  rules:
                    - {name: full, match: {user: full-user}, group: small}
                  groups:
                    small: {hold-when-full: true}
                  queue:
                    max-queued-per-user: 2
                    max-wait: 2s
                    poll-wait: 200ms
                  limits:
                    users: {limited: 1, waiter: 1}
                clusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                  - {id: beta, uri: "%s", routing-group: small, load-probe: none, capacity: 1}
                """.formatted(alpha.uri(), beta.uri()).getBytes(UTF_8), "test");
        gateway = new GatewayServer(config, Map.of());
        gateway.start();
        proxy = "http://127.0.0.1:" + gateway.proxyAddress().getPort();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !get(adminUri("/v1/gateway/clusters"), "admin").body().contains("\"healthy\":true,\"lastProbe\"")) {
            Thread.sleep(50);
        }
        Thread.sleep(500);
    }

    @AfterAll
    void stop()
            throws InterruptedException
    {
        gateway.close();
        alpha.close();
        beta.close();
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void aUserOverItsLimitIsQueuedAtTheGatewayAndRunsWhenItsOtherQueryEnds()
            throws Exception
    {
        JsonNode first = submit("SELECT 'first'", "limited");
        assertThat(first.get("id").asText()).endsWith("_alpha");

        JsonNode second = submit("SELECT 'second'", "limited");
        assertThat(second.get("id").asText()).endsWith("_gateway");
        assertThat(second.at("/stats/state").asText()).isEqualTo("QUEUED");
        assertThat(second.get("nextUri").asText()).startsWith(proxy + "/sb/queue/" + second.get("id").asText() + "/");
        assertThat(second.get("infoUri").asText()).isEqualTo(proxy + "/ui/query.html?" + second.get("id").asText());
        // another user is not held up
        assertThat(submit("SELECT 'other user'", "free").get("id").asText()).endsWith("_alpha");

        JsonNode stillQueued = poll(second, "limited");
        assertThat(stillQueued.at("/stats/state").asText()).isEqualTo("QUEUED");
        assertThat(stillQueued.get("nextUri").asText()).endsWith("/2");
        assertThat(alpha.seen().stream().filter(seen -> seen.body().equals("SELECT 'second'"))).isEmpty();

        List<JsonNode> firstPages = followToEnd(first, "limited");
        assertThat(last(firstPages).at("/stats/state").asText()).isEqualTo("FINISHED");

        List<JsonNode> secondPages = followToEnd(stillQueued, "limited");
        // the poll that finds the query admitted is answered by the cluster: from there on the query is the cluster's
        assertThat(secondPages.get(1).get("id").asText()).endsWith("_alpha");
        assertThat(secondPages.get(1).get("nextUri").asText()).startsWith(proxy + "/sb/alpha~");
        assertThat(last(secondPages).at("/stats/state").asText()).isEqualTo("FINISHED");
        FakeTrino.Seen sent = alpha.seen().stream().filter(seen -> seen.body().equals("SELECT 'second'")).findFirst().orElseThrow();
        assertThat(sent.method()).isEqualTo("POST");
        assertThat(sent.headers().get("X-trino-user")).containsExactly("limited");

        assertThat(get(adminUri("/metrics"), "admin").body()).contains("switchboard_queue_wait_seconds_count{outcome=\"admitted\"}").contains("switchboard_queue_waiting_queries 0");
    }

    @Test
    void aGroupThatHoldsWhenFullQueuesUntilItsClusterHasRoom()
            throws Exception
    {
        JsonNode running = submit("SELECT 'fills beta'", "full-user");
        assertThat(running.get("id").asText()).endsWith("_beta");

        JsonNode held = submit("SELECT 'waits for beta'", "full-user");
        assertThat(held.at("/stats/state").asText()).isEqualTo("QUEUED");
        assertThat(held.get("id").asText()).endsWith("_gateway");

        followToEnd(running, "full-user");
        List<JsonNode> pages = followToEnd(held, "full-user");
        assertThat(pages.stream().map(page -> page.get("id").asText())).anySatisfy(id -> assertThat(id).endsWith("_beta"));
        assertThat(last(pages).at("/stats/state").asText()).isEqualTo("FINISHED");
    }

    @Test
    void theQueueIsBoundedAndAQueryThatWaitsTooLongFailsClearly()
            throws Exception
    {
        JsonNode running = submit("SELECT 'holds the slot'", "waiter");
        JsonNode queued = submit("SELECT 'queued 1'", "waiter");
        submit("SELECT 'queued 2'", "waiter");
        JsonNode refused = submit("SELECT 'one too many'", "waiter");

        assertThat(queued.at("/stats/state").asText()).isEqualTo("QUEUED");
        assertThat(refused.at("/stats/state").asText()).isEqualTo("FAILED");
        assertThat(refused.at("/error/errorName").asText()).isEqualTo("QUERY_QUEUE_FULL");
        assertThat(refused.at("/error/message").asText()).contains("User 'waiter' already has 2 queries waiting at the gateway");

        List<JsonNode> pages = followToEnd(queued, "waiter");
        JsonNode failed = last(pages);
        assertThat(failed.at("/stats/state").asText()).isEqualTo("FAILED");
        assertThat(failed.at("/error/errorName").asText()).isEqualTo("EXCEEDED_GATEWAY_QUEUE_TIME");
        assertThat(failed.at("/error/message").asText()).contains("user 'waiter' runs 1 queries through the gateway, its limit is 1");
        followToEnd(running, "waiter");
    }

    @Test
    void aQueuedQueryCanBeCancelledAndIsThenGone()
            throws Exception
    {
        JsonNode running = submit("SELECT 'running'", "limited");
        JsonNode queued = submit("SELECT 'cancelled while queued'", "limited");

        HttpResponse<String> cancelled = http.send(HttpRequest.newBuilder(URI.create(queued.get("nextUri").asText())).DELETE().header("X-Trino-User", "limited").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(cancelled.statusCode()).isEqualTo(204);
        JsonNode gone = poll(queued, "limited");
        assertThat(gone.at("/error/errorName").asText()).isEqualTo("GATEWAY_QUEUED_QUERY_GONE");

        HttpResponse<String> forged = get(URI.create(queued.get("nextUri").asText().replaceFirst("/sb/queue/([^/]+)/[^/]+/", "/sb/queue/$1/forged/")), "limited");
        assertThat(JSON.readTree(forged.body()).at("/error/errorName").asText()).isEqualTo("GATEWAY_QUEUED_QUERY_GONE");

        followToEnd(running, "limited");
        assertThat(alpha.seen().stream().filter(seen -> seen.body().equals("SELECT 'cancelled while queued'"))).isEmpty();
    }

    private JsonNode submit(String sql, String user)
            throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy + "/v1/statement"))
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .header("X-Trino-User", user)
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private JsonNode poll(JsonNode page, String user)
            throws Exception
    {
        HttpResponse<String> response = get(URI.create(page.get("nextUri").asText()), user);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private List<JsonNode> followToEnd(JsonNode page, String user)
            throws Exception
    {
        List<JsonNode> pages = new ArrayList<>();
        pages.add(page);
        JsonNode current = page;
        while (current.hasNonNull("nextUri")) {
            current = poll(current, user);
            pages.add(current);
        }
        return pages;
    }

    private static JsonNode last(List<JsonNode> pages)
    {
        return pages.get(pages.size() - 1);
    }

    private HttpResponse<String> get(URI uri, String user)
            throws Exception
    {
        return http.send(HttpRequest.newBuilder(uri).header("X-Trino-User", user).header("Authorization", "Bearer queue-test-admin-token").build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private URI adminUri(String path)
    {
        return URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path);
    }
}
