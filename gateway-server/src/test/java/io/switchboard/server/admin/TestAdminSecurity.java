package io.switchboard.server.admin;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The admin API's guard: every call needs the token, except health and (by default) the metrics scrape; without a
 * configured token the API is closed; it listens on loopback by default; tokens never reach a log line.
 */
final class TestAdminSecurity
{
    private static final String TOKEN = "the-secret-admin-token-0123456789";
    private static final String TOKEN_SECRET = "the-secret-routing-key-0123456789";
    private static final List<String> CALLS = List.of("GET /v1/gateway/clusters", "GET /v1/gateway/clusters/alpha", "GET /v1/gateway/queries",
            "PUT /v1/gateway/clusters/alpha/state", "DELETE /v1/gateway/queries/20261126_000000_00001_alpha", "POST /v1/gateway/route/explain",
            "POST /v1/gateway/config/reload", "PUT /v1/gateway/clusters/alpha/workers/state", "GET /v1/gateway/openapi.yaml");

    private final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path directory;

    @Test
    void everyCallButHealthAndTheScrapeNeedsTheToken()
            throws Exception
    {
        try (GatewayServer gateway = start("token: " + TOKEN, "")) {
            for (String call : CALLS) {
                assertThat(call(gateway, call, null).statusCode()).as(call + " without a token").isEqualTo(401);
                assertThat(call(gateway, call, "Bearer " + TOKEN.substring(0, TOKEN.length() - 1) + "x").statusCode()).as(call + " with a near miss").isEqualTo(401);
                assertThat(call(gateway, call, "Basic " + TOKEN).statusCode()).as(call + " with another scheme").isEqualTo(401);
            }
            assertThat(call(gateway, "GET /v1/gateway/clusters", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
            assertThat(call(gateway, "GET /v1/gateway/health", null).statusCode()).isEqualTo(200);
            assertThat(call(gateway, "GET /metrics", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theScrapeNeedsTheTokenWhenConfiguredSo()
            throws Exception
    {
        try (GatewayServer gateway = start("token: " + TOKEN, "metrics: {require-token: true}")) {
            assertThat(call(gateway, "GET /metrics", null).statusCode()).isEqualTo(401);
            assertThat(call(gateway, "GET /metrics", "Bearer " + TOKEN).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void withoutATokenTheApiIsClosedButHealthAndTheScrapeAnswer()
            throws Exception
    {
        try (GatewayServer gateway = start("", "")) {
            for (String call : CALLS) {
                HttpResponse<String> response = call(gateway, call, null);
                assertThat(response.statusCode()).as(call).isEqualTo(403);
                assertThat(response.body()).contains("admin.token");
            }
            assertThat(call(gateway, "GET /v1/gateway/health", null).statusCode()).isEqualTo(200);
            assertThat(call(gateway, "GET /metrics", null).statusCode()).isEqualTo(200);
        }
    }

    @Test
    void theAdminPortListensOnLoopbackByDefault()
            throws Exception
    {
        GatewayConfig config = new ConfigLoader().parse("""
                clusters:
                  - {id: alpha, uri: "http://127.0.0.1:1", routing-group: adhoc}
                """.getBytes(UTF_8), "test");

        assertThat(config.admin().listen().host()).isEqualTo("127.0.0.1");
        assertThat(config.server().listen().host()).isEqualTo("127.0.0.1");
    }

    @Test
    void tokensNeverAppearInLogsOrInTheConfigAsText()
            throws Exception
    {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        ListAppender<ILoggingEvent> captured = new ListAppender<>();
        captured.start();
        Level previous = root.getLevel();
        root.addAppender(captured);
        root.setLevel(Level.DEBUG);
        try (GatewayServer gateway = start("token: " + TOKEN, "routing: {token-secret: " + TOKEN_SECRET + "}")) {
            for (String call : CALLS) {
                call(gateway, call, "Bearer " + TOKEN);
                call(gateway, call, "Bearer " + TOKEN + "-wrong");
                call(gateway, call, null);
            }
            call(gateway, "POST /v1/gateway/config/reload", "Bearer " + TOKEN);
        }
        finally {
            root.setLevel(previous);
            root.detachAppender(captured);
        }
        GatewayConfig config = new ConfigLoader().parse(yaml("token: " + TOKEN, "routing: {token-secret: " + TOKEN_SECRET + "}").getBytes(UTF_8), "test");

        assertThat(captured.list).as("log lines").isNotEmpty();
        assertThat(captured.list).allSatisfy(event -> assertThat(event.getFormattedMessage() + event.getThrowableProxy())
                .doesNotContain(TOKEN)
                .doesNotContain(TOKEN_SECRET));
        assertThat(config.toString()).doesNotContain(TOKEN).doesNotContain(TOKEN_SECRET);
    }

    private GatewayServer start(String adminExtra, String sections)
            throws Exception
    {
        Path file = directory.resolve("gateway-" + System.nanoTime() + ".yaml");
        Files.writeString(file, yaml(adminExtra, sections));
        GatewayConfig config = new ConfigLoader().load(file);
        GatewayServer gateway = new GatewayServer(config, java.util.Optional.of(file), Map.of());
        gateway.start();
        return gateway;
    }

    private String yaml(String adminExtra, String sections)
    {
        return """
                server: {listen: "127.0.0.1:0"}
                admin:
                  listen: "127.0.0.1:0"
                  state-file: %s
                  %s
                %s
                clusters:
                  - {id: alpha, uri: "http://127.0.0.1:1", routing-group: adhoc, load-probe: none}
                """.formatted(directory.resolve("state.json"), adminExtra, sections);
    }

    private HttpResponse<String> call(GatewayServer gateway, String call, String authorization)
            throws Exception
    {
        String[] parts = call.split(" ", 2);
        String body = switch (parts[1]) {
            case "/v1/gateway/clusters/alpha/state" -> "{\"state\":\"DRAINING\"}";
            case "/v1/gateway/clusters/alpha/workers/state" -> "{\"state\":\"SHUTTING_DOWN\"}";
            case "/v1/gateway/route/explain" -> "{\"headers\":{\"X-Trino-User\":\"u\"},\"sql\":\"SELECT 1\"}";
            default -> "";
        };
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + parts[1]))
                .method(parts[0], body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
