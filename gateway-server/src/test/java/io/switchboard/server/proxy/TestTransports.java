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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The same query through the gateway on each socket layer: io_uring, epoll and NIO. */
final class TestTransports
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @ParameterizedTest
    @ValueSource(strings = {"io_uring", "epoll", "nio"})
    void aQueryRunsToTheEndOverEveryTransport(String transport)
            throws Exception
    {
        try (FakeTrino trino = new FakeTrino("alpha")) {
            GatewayConfig config = new ConfigLoader().parse("""
                    server: {listen: "127.0.0.1:0", transport: %s, io-threads: 2}
                    admin: {listen: "127.0.0.1:0"}
                    clusters:
                      - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                    """.formatted(transport, trino.uri()).getBytes(UTF_8), "test");
            try (GatewayServer gateway = new GatewayServer(config, Map.of())) {
                gateway.start();
                String proxy = "http://127.0.0.1:" + gateway.proxyAddress().getPort();

                List<JsonNode> pages = new ArrayList<>();
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy + "/v1/statement"))
                        .header("X-Trino-User", "alice")
                        .POST(HttpRequest.BodyPublishers.ofString("SELECT 'over " + transport + "'"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                while (true) {
                    assertThat(response.statusCode()).isEqualTo(200);
                    JsonNode page = JSON.readTree(response.body());
                    pages.add(page);
                    if (!page.hasNonNull("nextUri")) {
                        break;
                    }
                    assertThat(page.get("nextUri").asText()).startsWith(proxy + "/sb/");
                    response = http.send(HttpRequest.newBuilder(URI.create(page.get("nextUri").asText())).header("X-Trino-User", "alice").build(),
                            HttpResponse.BodyHandlers.ofString());
                }

                assertThat(gateway.transport().label()).isEqualTo(transport);
                assertThat(pages.get(pages.size() - 1).at("/stats/state").asText()).as("pages over %s: %s", transport, pages).isEqualTo("FINISHED");
                assertThat(pages.get(1).at("/data/0/1").asText()).isEqualTo("alpha");
            }
        }
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void aQuerySubmittedTheMomentTheGatewayStartedReachesItsCluster()
            throws Exception
    {
        try (FakeTrino trino = new FakeTrino("alpha")) {
            // the first health check takes a while: the gateway must not take clients before it has a verdict
            trino.infoDelay(Duration.ofMillis(400));
            GatewayConfig config = new ConfigLoader().parse("""
                    server: {listen: "127.0.0.1:0"}
                    admin: {listen: "127.0.0.1:0"}
                    clusters:
                      - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                    """.formatted(trino.uri()).getBytes(UTF_8), "test");
            try (GatewayServer gateway = new GatewayServer(config, Map.of())) {
                gateway.start();

                HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.proxyAddress().getPort() + "/v1/statement"))
                        .header("X-Trino-User", "alice")
                        .POST(HttpRequest.BodyPublishers.ofString("SELECT 1"))
                        .build(), HttpResponse.BodyHandlers.ofString());

                assertThat(response.statusCode()).isEqualTo(200);
                assertThat(JSON.readTree(response.body()).at("/stats/state").asText()).as(response.body()).isEqualTo("QUEUED");
                assertThat(trino.seen()).anyMatch(seen -> seen.method().equals("POST"));
            }
        }
    }
}
