package io.switchboard.server.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;
import io.switchboard.server.proxy.FakeTrino;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestAdminApi
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "an-admin-token-for-tests";

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeTrino alpha;
    private FakeTrino beta;
    private GatewayServer gateway;

    @BeforeEach
    void start()
            throws Exception
    {
        alpha = new FakeTrino("alpha");
        beta = new FakeTrino("beta");
        gateway = startGateway();
    }

    @AfterEach
    void stop()
    {
        gateway.close();
        alpha.close();
        beta.close();
    }

    @Test
    void callsWithoutAValidTokenGet401ButHealthIsOpen()
            throws Exception
    {
        assertThat(call("GET", "/v1/gateway/clusters", null, null).statusCode()).isEqualTo(401);
        assertThat(call("GET", "/v1/gateway/clusters", null, "wrong-token-wrong-token").statusCode()).isEqualTo(401);
        assertThat(call("GET", "/v1/gateway/health", null, null).statusCode()).isEqualTo(200);
        assertThat(call("GET", "/v1/gateway/clusters", null, TOKEN).statusCode()).isEqualTo(200);
    }

    @Test
    void unknownClustersGet404AndInvalidStatesGet400NamingTheAllowedValues()
            throws Exception
    {
        assertThat(call("PUT", "/v1/gateway/clusters/nope/state", "{\"state\":\"DRAINING\"}", TOKEN).statusCode()).isEqualTo(404);
        HttpResponse<String> invalid = call("PUT", "/v1/gateway/clusters/alpha/state", "{\"state\":\"SLEEPING\"}", TOKEN);
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.body()).contains("ACTIVE", "DRAINING", "DISABLED");
    }

    @Test
    void aDrainingClusterTakesNoNewQueriesServesFollowUpsAndReportsDrained()
            throws Exception
    {
        JsonNode first = submit("SELECT 'before'");
        String owner = first.get("id").asText().endsWith("alpha") ? "alpha" : "beta";

        JsonNode draining = JSON.readTree(call("PUT", "/v1/gateway/clusters/" + owner + "/state", "{\"state\":\"DRAINING\"}", TOKEN).body());
        assertThat(draining.get("adminState").asText()).isEqualTo("DRAINING");
        assertThat(draining.get("drained").asBoolean()).isFalse();

        for (int i = 0; i < 6; i++) {
            assertThat(submit("SELECT " + i).get("id").asText()).doesNotEndWith(owner);
        }
        JsonNode page = first;
        while (page.hasNonNull("nextUri")) {
            page = JSON.readTree(http.send(HttpRequest.newBuilder(URI.create(page.get("nextUri").asText())).header("X-Trino-User", "ops").build(),
                    HttpResponse.BodyHandlers.ofString()).body());
        }
        assertThat(page.at("/stats/state").asText()).isEqualTo("FINISHED");
        assertThat(JSON.readTree(call("GET", "/v1/gateway/clusters/" + owner, null, TOKEN).body()).get("drained").asBoolean()).isTrue();
    }

    @Test
    void aQueryItsClientCancelledNoLongerCountsAsInFlight()
            throws Exception
    {
        JsonNode submitted = submit("SELECT 'to cancel'");
        String owner = submitted.get("id").asText().endsWith("alpha") ? "alpha" : "beta";
        assertThat(JSON.readTree(call("GET", "/v1/gateway/clusters/" + owner, null, TOKEN).body()).get("inFlightThroughGateway").asInt()).isEqualTo(1);

        HttpResponse<String> cancelled = http.send(HttpRequest.newBuilder(URI.create(submitted.get("nextUri").asText())).header("X-Trino-User", "ops").DELETE().build(),
                HttpResponse.BodyHandlers.ofString());

        assertThat(cancelled.statusCode() / 100).isEqualTo(2);
        assertThat(JSON.readTree(call("GET", "/v1/gateway/clusters/" + owner, null, TOKEN).body()).get("inFlightThroughGateway").asInt()).isZero();
        JsonNode listed = JSON.readTree(call("GET", "/v1/gateway/queries?user=ops&limit=1", null, TOKEN).body()).get(0);
        assertThat(listed.get("errorName").asText()).isEqualTo("USER_CANCELED");
    }

    @Test
    void theAdminStateSurvivesARestart()
            throws Exception
    {
        call("PUT", "/v1/gateway/clusters/beta/state", "{\"state\":\"DISABLED\"}", TOKEN);
        gateway.close();

        gateway = startGateway();

        assertThat(JSON.readTree(call("GET", "/v1/gateway/clusters/beta", null, TOKEN).body()).get("adminState").asText()).isEqualTo("DISABLED");
        assertThat(Files.readString(directory.resolve("states.json"))).contains("\"beta\" : \"DISABLED\"");
    }

    @Test
    void recentQueriesAreListedAndCanBeCancelled()
            throws Exception
    {
        String id = submit("SELECT 'listed'").get("id").asText();

        JsonNode listed = JSON.readTree(call("GET", "/v1/gateway/queries?user=ops&limit=5", null, TOKEN).body());
        assertThat(listed.get(0).get("queryId").asText()).isEqualTo(id);
        assertThat(listed.get(0).get("state").asText()).isEqualTo("QUEUED");

        HttpResponse<String> cancelled = call("DELETE", "/v1/gateway/queries/" + id, null, TOKEN);
        assertThat(cancelled.statusCode()).isEqualTo(202);
        FakeTrino owner = id.endsWith("alpha") ? alpha : beta;
        assertThat(owner.seen()).anySatisfy(seen -> {
            assertThat(seen.method()).isEqualTo("DELETE");
            assertThat(seen.target()).isEqualTo("/v1/query/" + id);
        });
    }

    @Test
    void explainNamesTheRuleGroupAndCluster()
            throws Exception
    {
        HttpResponse<String> response = call("POST", "/v1/gateway/route/explain",
                "{\"headers\": {\"X-Trino-User\": \"etl\", \"X-Trino-Source\": \"airflow-daily\"}, \"sql\": \"INSERT INTO t SELECT 1\"}", TOKEN);

        JsonNode explanation = JSON.readTree(response.body());
        assertThat(explanation.get("outcome").asText()).isEqualTo("ROUTED");
        assertThat(explanation.get("rule").asText()).isEqualTo("airflow");
        assertThat(explanation.get("group").asText()).isEqualTo("etl");
        assertThat(explanation.get("cluster").asText()).isEqualTo("gamma");
        assertThat(explanation.get("steps").toString()).contains("rule 'airflow'");
    }

    private GatewayServer startGateway()
            throws Exception
    {
        GatewayConfig config = new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0"}
                admin:
                  listen: 127.0.0.1:0
                  token: %s
                  state-file: %s
                health: {interval: 200ms}
                routing:
                  default-group: adhoc
                  rules:
                    - name: airflow
                      match: {source: "regex:airflow.*"}
                      group: etl
                  groups:
                    etl: {fallback: adhoc}
                clusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                  - {id: beta, uri: "%s", routing-group: adhoc, load-probe: none}
                  - {id: gamma, uri: "%s", routing-group: etl, load-probe: none}
                """.formatted(TOKEN, directory.resolve("states.json"), alpha.uri(), beta.uri(), beta.uri()).getBytes(UTF_8), "test");
        GatewayServer server = new GatewayServer(config, Map.of());
        server.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && JSON.readTree(call(server, "GET", "/v1/gateway/health", null, null).body()).get("healthyClusters").asInt() < 3) {
            Thread.sleep(50);
        }
        return server;
    }

    private JsonNode submit(String sql)
            throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.proxyAddress().getPort() + "/v1/statement"))
                .header("X-Trino-User", "ops")
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private HttpResponse<String> call(String method, String path, String body, String token)
            throws Exception
    {
        return call(gateway, method, path, body, token);
    }

    private HttpResponse<String> call(GatewayServer server, String method, String path, String body, String token)
            throws Exception
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.adminAddress().getPort() + path))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
