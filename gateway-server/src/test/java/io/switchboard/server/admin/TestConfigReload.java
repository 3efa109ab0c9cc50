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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

final class TestConfigReload
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "an-admin-token-for-tests";

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeTrino alpha;
    private FakeTrino beta;
    private Path configFile;
    private GatewayServer gateway;

    @BeforeEach
    void start()
            throws Exception
    {
        alpha = new FakeTrino("alpha");
        beta = new FakeTrino("beta");
        configFile = directory.resolve("gateway.yaml");
        Files.writeString(configFile, config(""));
        gateway = new GatewayServer(new ConfigLoader().load(configFile), Optional.of(configFile), Map.of());
        gateway.start();
    }

    @AfterEach
    void stop()
    {
        gateway.close();
        alpha.close();
        beta.close();
    }

    @Test
    void aReloadSwapsRulesAndClusters()
            throws Exception
    {
        assertThat(explain("airflow-daily").get("rule").asText()).isEqualTo("default");

        Files.writeString(configFile, config("""
                  rules:
                    - {name: airflow, match: {source: "regex:airflow.*"}, group: etl}
                """) + "  - {id: beta, uri: \"%s\", routing-group: etl, load-probe: none}\n".formatted(beta.uri()));
        HttpResponse<String> reloaded = call("POST", "/v1/gateway/config/reload");

        assertThat(reloaded.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(reloaded.body()).get("applied").asBoolean()).isTrue();
        assertThat(explain("airflow-daily").get("rule").asText()).isEqualTo("airflow");
        assertThat(JSON.readTree(call("GET", "/v1/gateway/clusters").body())).hasSize(2);
    }

    @Test
    void aBrokenFileIsRefusedWithTheReasonAndTheOldConfigKeepsRunning()
            throws Exception
    {
        Files.writeString(configFile, config("") + "  - {id: Broken Id, uri: \"http://x:1\", routing-group: adhoc}\n");

        HttpResponse<String> refused = call("POST", "/v1/gateway/config/reload");

        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(refused.body()).get("message").asText()).contains("clusters[1].id");
        assertThat(JSON.readTree(call("GET", "/v1/gateway/clusters").body())).hasSize(1);
        assertThat(explain("x").get("outcome").asText()).isIn("ROUTED", "REJECTED");
    }

    @Test
    void aChangedFileIsReloadedWithoutAsking()
            throws Exception
    {
        Files.writeString(configFile, config("") + "  - {id: beta, uri: \"%s\", routing-group: adhoc, load-probe: none}\n".formatted(beta.uri()));

        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline && JSON.readTree(call("GET", "/v1/gateway/clusters").body()).size() < 2) {
            Thread.sleep(100);
        }

        assertThat(JSON.readTree(call("GET", "/v1/gateway/clusters").body())).hasSize(2);
    }

    private String config(String routingExtra)
    {
        return """
                server: {listen: "127.0.0.1:0"}
                admin:
                  listen: 127.0.0.1:0
                  token: %s
                  state-file: %s
                health: {interval: 200ms}
                routing:
                  default-group: adhoc
                %sclusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                """.formatted(TOKEN, directory.resolve("states.json"), routingExtra, alpha.uri());
    }

    private JsonNode explain(String source)
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(admin("/v1/gateway/route/explain"))
                .header("Authorization", "Bearer " + TOKEN)
                .POST(HttpRequest.BodyPublishers.ofString("{\"headers\": {\"X-Trino-User\": \"u\", \"X-Trino-Source\": \"" + source + "\"}}"))
                .build();
        return JSON.readTree(http.send(request, HttpResponse.BodyHandlers.ofString()).body());
    }

    private HttpResponse<String> call(String method, String path)
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(admin(path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, HttpRequest.BodyPublishers.noBody())
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString(UTF_8));
    }

    private URI admin(String path)
    {
        return URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path);
    }
}
