package io.switchboard.routing.consul;

import static io.switchboard.routing.consul.TestBlockingQueryWatch.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The gateway registers itself with an HTTP check on its health endpoint, and leaves on a clean stop. */
final class TestConsulRegistration
{
    private ConsulTarget consul;
    private HttpServer health;
    private String service;

    @BeforeEach
    void start()
            throws IOException
    {
        consul = ConsulTarget.start();
        service = ConsulTarget.uniqueName("gateway");
        health = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        health.createContext("/v1/gateway/health", exchange -> {
            byte[] body = "{\"status\":\"UP\"}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        health.start();
    }

    @AfterEach
    void stop()
    {
        health.stop(0);
        consul.close();
    }

    private ConsulRegistration registration()
    {
        URI check = URI.create("http://127.0.0.1:" + health.getAddress().getPort() + "/v1/gateway/health");
        return new ConsulRegistration(consul.client(), new ConsulRegistration.Settings(service, service + "-1", "127.0.0.1", 8080, List.of("trino-gateway"),
                Map.of("admin", "http://127.0.0.1:" + health.getAddress().getPort()), check, Duration.ofSeconds(1), Duration.ofSeconds(1), Duration.ofMinutes(1),
                Duration.ofMillis(100), Duration.ofMillis(400)), Clock.systemUTC());
    }

    @Test
    void theGatewayIsInTheCatalogWithAPassingHttpCheckAndLeavesOnClose()
            throws Exception
    {
        ConsulRegistration registration = registration();
        registration.start();

        JsonNode catalog = consul.catalog(service);
        assertThat(catalog).hasSize(1);
        assertThat(catalog.get(0).path("ServiceID").asText()).isEqualTo(service + "-1");
        assertThat(catalog.get(0).path("ServiceAddress").asText()).isEqualTo("127.0.0.1");
        assertThat(catalog.get(0).path("ServicePort").asInt()).isEqualTo(8080);
        assertThat(catalog.get(0).path("ServiceTags").get(0).asText()).isEqualTo("trino-gateway");
        assertThat(registration.status().reachable()).isTrue();
        await(() -> checkStatus().equals("passing"), "a passing HTTP check");

        registration.close();

        assertThat(consul.catalog(service)).isEmpty();
    }

    @Test
    void aGatewayThatStartsWhileConsulFailsRegistersOnceItAnswers()
            throws Exception
    {
        assumeTrue(consul.consulDouble().isPresent(), "a real agent cannot be made to fail");
        consul.consulDouble().get().fail();
        ConsulRegistration registration = registration();

        registration.start();

        assertThat(registration.status().reachable()).isFalse();
        consul.consulDouble().get().recover();
        await(() -> registration.status().reachable(), "the registration");
        assertThat(consul.catalog(service)).hasSize(1);
        registration.close();
        assertThat(consul.catalog(service)).isEmpty();
    }

    private String checkStatus()
    {
        try {
            for (JsonNode check : consul.health(service).path(0).path("Checks")) {
                if (check.path("ServiceID").asText().equals(service + "-1")) {
                    return check.path("Status").asText();
                }
            }
            return "none";
        }
        catch (IOException e) {
            return e.toString();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
