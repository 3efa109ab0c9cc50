package io.switchboard.server.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
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
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every operation of the OpenAPI document exists on the live server and answers in the shape the document gives. */
final class TestOpenApiContract
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    private static final String TOKEN = "an-admin-token-for-tests";

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private FakeTrino trino;
    private GatewayServer gateway;
    private String queryId;

    @BeforeEach
    void start()
            throws Exception
    {
        trino = new FakeTrino("alpha");
        trino.override("/v1/node", "[]");
        Path config = directory.resolve("gateway.yaml");
        Files.writeString(config, """
                server: {listen: "127.0.0.1:0"}
                admin: {listen: "127.0.0.1:0", token: %s, state-file: %s}
                health: {interval: 200ms}
                clusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                """.formatted(TOKEN, directory.resolve("states.json"), trino.uri()));
        gateway = new GatewayServer(new ConfigLoader().load(config), Optional.of(config), Map.of());
        gateway.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !call("GET", "/v1/gateway/health", null).body().contains("\"healthyClusters\":1")) {
            Thread.sleep(50);
        }
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.proxyAddress().getPort() + "/v1/statement"))
                .header("X-Trino-User", "contract")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 1"))
                .build(), HttpResponse.BodyHandlers.ofString());
        queryId = JSON.readTree(submitted.body()).get("id").asText();
    }

    @AfterEach
    void stop()
    {
        gateway.close();
        trino.close();
    }

    @Test
    void everyDocumentedOperationAnswersAsDocumented()
            throws Exception
    {
        JsonNode document = YAML.readTree(call("GET", "/v1/gateway/openapi.yaml", null).body());
        List<String> checked = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> paths = document.get("paths").fields(); paths.hasNext(); ) {
            Map.Entry<String, JsonNode> path = paths.next();
            for (Iterator<Map.Entry<String, JsonNode>> operations = path.getValue().fields(); operations.hasNext(); ) {
                Map.Entry<String, JsonNode> operation = operations.next();
                if (operation.getKey().equals("parameters")) {
                    continue;
                }
                String method = operation.getKey().toUpperCase();
                String concrete = path.getKey().replace("{id}", "alpha").replace("{queryId}", queryId);
                HttpResponse<String> response = call(method, concrete, sampleBody(path.getKey()));
                String status = String.valueOf(response.statusCode());
                JsonNode responses = operation.getValue().get("responses");
                assertThat(responses.has(status)).as("%s %s answered %s, which the document does not list: %s", method, path.getKey(), status, response.body()).isTrue();
                JsonNode schema = resolve(document, responses.get(status)).at("/content/application~1json/schema");
                if (!schema.isMissingNode()) {
                    assertShape(document, schema, JSON.readTree(response.body()), method + " " + path.getKey());
                }
                checked.add(method + " " + path.getKey() + " -> " + status);
            }
        }
        assertThat(checked).as("operations checked").hasSize(11);
    }

    @Test
    void operationsOtherThanHealthNeedTheToken()
            throws Exception
    {
        for (String path : List.of("/v1/gateway/clusters", "/v1/gateway/openapi.yaml")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path)).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).as(path).isEqualTo(401);
        }
    }

    private static String sampleBody(String path)
    {
        return switch (path) {
            case "/v1/gateway/clusters/{id}/state" -> "{\"state\":\"DRAINING\"}";
            case "/v1/gateway/clusters/{id}/workers/state" -> "{\"state\":\"SHUTTING_DOWN\"}";
            case "/v1/gateway/route/explain" -> "{\"headers\":{\"X-Trino-User\":\"u\"},\"sql\":\"SELECT 1\"}";
            default -> null;
        };
    }

    private static void assertShape(JsonNode document, JsonNode schemaOrRef, JsonNode value, String where)
    {
        JsonNode schema = resolve(document, schemaOrRef);
        String type = schema.path("type").asText("");
        if (type.equals("array")) {
            assertThat(value.isArray()).as(where + " is an array").isTrue();
            for (JsonNode item : value) {
                assertShape(document, schema.get("items"), item, where + "[]");
            }
            return;
        }
        if (type.equals("object")) {
            assertThat(value.isObject()).as(where + " is an object").isTrue();
            for (JsonNode required : schema.path("required")) {
                assertThat(value.has(required.asText())).as("%s has %s: %s", where, required.asText(), value).isTrue();
            }
            for (Iterator<Map.Entry<String, JsonNode>> fields = value.fields(); fields.hasNext(); ) {
                Map.Entry<String, JsonNode> field = fields.next();
                JsonNode property = schema.path("properties").path(field.getKey());
                if (!property.isMissingNode() && !field.getValue().isNull()) {
                    assertShape(document, property, field.getValue(), where + "." + field.getKey());
                }
            }
        }
    }

    private static JsonNode resolve(JsonNode document, JsonNode node)
    {
        JsonNode current = node;
        while (current.has("$ref")) {
            current = document.at(current.get("$ref").asText().substring(1));
        }
        return current;
    }

    private HttpResponse<String> call(String method, String path, String body)
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, UTF_8))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }
}
