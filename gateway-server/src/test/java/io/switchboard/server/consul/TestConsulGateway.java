package io.switchboard.server.consul;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.routing.consul.ConsulTarget;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway replicas on one config find their clusters in Consul, share admin states through its KV store and
 * register themselves: against the Consul double, or a real agent when CONSUL_HTTP_ADDR is set.
 */
final class TestConsulGateway
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String TOKEN = "an-admin-token-for-tests";

    @TempDir
    Path directory;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final List<GatewayServer> gateways = new ArrayList<>();
    private ConsulTarget consul;
    private FakeTrino alpha;
    private FakeTrino beta;
    private String service;
    private String gatewayService;
    private String prefix;
    private GatewayServer replicaA;
    private GatewayServer replicaB;

    @BeforeEach
    void start()
            throws Exception
    {
        consul = ConsulTarget.start();
        service = ConsulTarget.uniqueName("trino");
        gatewayService = ConsulTarget.uniqueName("switchboard");
        prefix = consul.keyPrefix("state");
        alpha = new FakeTrino("alpha");
        beta = new FakeTrino("beta");
        announce("alpha", alpha, Map.of("HTTP", alpha.uri() + "/v1/info", "Interval", "1s"));
        announce("beta", beta, Map.of("HTTP", beta.uri() + "/v1/info", "Interval", "1s"));
        replicaA = startGateway("a");
        replicaB = startGateway("b");
        for (GatewayServer gateway : gateways) {
            await(() -> health(gateway).path("healthyClusters").asInt() == 2, "both clusters healthy at " + gateway.adminAddress());
        }
    }

    @AfterEach
    void stop()
    {
        gateways.forEach(GatewayServer::close);
        alpha.close();
        beta.close();
        consul.close();
    }

    @Test
    void clustersFoundInConsulTakeQueries()
            throws Exception
    {
        JsonNode clusters = JSON.readTree(call(replicaA, "GET", "/v1/gateway/clusters", null).body());
        JsonNode health = health(replicaA);

        assertThat(clusters).extracting(cluster -> cluster.get("id").asText()).containsExactly("alpha", "beta");
        assertThat(clusters.get(0).get("uri").asText()).isEqualTo(alpha.uri());
        assertThat(health.path("discovery").path("kind").asText()).isEqualTo("consul");
        assertThat(health.path("discovery").path("reachable").asBoolean()).isTrue();
        assertThat(health.path("stateStore").path("kind").asText()).isEqualTo("consul");
        assertThat(followToEnd(submit(replicaB, "SELECT 1"))).isIn("alpha", "beta");
    }

    @Test
    void aQuerySubmittedTheMomentAReplicaStartedReachesAClusterFoundInConsul()
            throws Exception
    {
        // start() returns once Consul's first answer is in and its clusters have their first verdicts, so the very
        // first submission finds a healthy cluster instead of NO_ELIGIBLE_CLUSTER
        GatewayServer replicaC = startGateway("c");

        assertThat(followToEnd(submit(replicaC, "SELECT 1"))).isIn("alpha", "beta");
    }

    @Test
    void aClusterDrainedThroughOneReplicaTakesNoNewQueryThroughTheOther()
            throws Exception
    {
        HttpResponse<String> drained = call(replicaA, "PUT", "/v1/gateway/clusters/alpha/state", "{\"state\":\"DRAINING\"}");
        assertThat(drained.statusCode()).as(drained.body()).isEqualTo(200);

        await(() -> adminState(replicaB, "alpha").equals("DRAINING"), "the state at replica B");
        assertThat(consul.kvGet(prefix + "alpha")).contains("DRAINING");
        for (int i = 0; i < 6; i++) {
            assertThat(submit(replicaB, "SELECT 1").get("id").asText()).endsWith("_beta");
        }

        assertThat(call(replicaB, "PUT", "/v1/gateway/clusters/alpha/state", "{\"state\":\"ACTIVE\"}").statusCode()).isEqualTo(200);
        await(() -> adminState(replicaA, "alpha").equals("ACTIVE"), "the state back at replica A");
    }

    @Test
    void aFailingConsulCheckTakesAClusterOutOfRoutingUntilItPassesAgain()
            throws Exception
    {
        announce("alpha", alpha, Map.of("TTL", "10m", "Status", "passing"));
        await(() -> cluster(replicaA, "alpha").path("healthy").asBoolean(), "alpha healthy with its TTL check");

        consul.ttl("service:" + service + "-alpha", "fail", "disk full");

        await(() -> !cluster(replicaA, "alpha").path("healthy").asBoolean(), "alpha unhealthy");
        assertThat(cluster(replicaA, "alpha").path("lastError").asText()).contains("Consul check").contains("critical").contains("disk full");
        for (int i = 0; i < 4; i++) {
            assertThat(submit(replicaA, "SELECT 1").get("id").asText()).endsWith("_beta");
        }

        consul.ttl("service:" + service + "-alpha", "pass", "ok");
        await(() -> cluster(replicaA, "alpha").path("healthy").asBoolean(), "alpha healthy again once its check and the probe pass");
    }

    @Test
    void aClusterThatLeavesAndComesBackKeepsItsAdminState()
            throws Exception
    {
        assertThat(call(replicaA, "PUT", "/v1/gateway/clusters/alpha/state", "{\"state\":\"DISABLED\"}").statusCode()).isEqualTo(200);
        consul.deregister(service + "-alpha");
        await(() -> call(replicaB, "GET", "/v1/gateway/clusters/alpha", null).statusCode() == 404, "alpha gone from replica B");

        announce("alpha", alpha, Map.of("HTTP", alpha.uri() + "/v1/info", "Interval", "1s"));

        await(() -> call(replicaB, "GET", "/v1/gateway/clusters/alpha", null).statusCode() == 200, "alpha back at replica B");
        assertThat(adminState(replicaB, "alpha")).isEqualTo("DISABLED");
    }

    @Test
    void whileConsulFailsTheGatewayRoutesOnWhatItLastKnewAndSaysSo()
            throws Exception
    {
        assumeTrue(consul.consulDouble().isPresent(), "a real agent cannot be made to fail");
        assertThat(call(replicaA, "PUT", "/v1/gateway/clusters/alpha/state", "{\"state\":\"DRAINING\"}").statusCode()).isEqualTo(200);
        await(() -> adminState(replicaB, "alpha").equals("DRAINING"), "the state at replica B");

        consul.consulDouble().get().fail();

        await(() -> !health(replicaB).path("discovery").path("reachable").asBoolean() && !health(replicaB).path("stateStore").path("reachable").asBoolean(),
                "health telling of the failure");
        JsonNode health = health(replicaB);
        assertThat(health.path("discovery").path("lastError").asText()).contains("500");
        assertThat(health.path("clusters").asInt()).isEqualTo(2);
        assertThat(metrics(replicaB)).contains("switchboard_source_reachable{kind=\"consul\",source=\"discovery\"} 0.0");
        for (int i = 0; i < 4; i++) {
            assertThat(followToEnd(submit(replicaB, "SELECT 1"))).isEqualTo("beta");
        }
        HttpResponse<String> refused = call(replicaB, "PUT", "/v1/gateway/clusters/alpha/state", "{\"state\":\"ACTIVE\"}");
        assertThat(refused.statusCode()).isEqualTo(500);
        assertThat(refused.body()).contains("cannot store the new state, nothing changed");
        assertThat(adminState(replicaB, "alpha")).isEqualTo("DRAINING");

        consul.consulDouble().get().recover();
        await(() -> health(replicaB).path("discovery").path("reachable").asBoolean(), "the recovery");
        assertThat(metrics(replicaB)).contains("switchboard_source_reachable{kind=\"consul\",source=\"discovery\"} 1.0");
    }

    @Test
    void everyReplicaRegistersWithAPassingCheckAndLeavesOnAStop()
            throws Exception
    {
        await(() -> passing(consul.health(gatewayService)) == 2, "two registered replicas with passing checks");
        JsonNode catalog = consul.catalog(gatewayService);
        assertThat(catalog).extracting(entry -> entry.get("ServicePort").asInt())
                .containsExactlyInAnyOrder(replicaA.proxyAddress().getPort(), replicaB.proxyAddress().getPort());

        replicaB.close();
        gateways.remove(replicaB);

        assertThat(consul.catalog(gatewayService)).extracting(entry -> entry.get("ServicePort").asInt()).containsExactly(replicaA.proxyAddress().getPort());
    }

    private static long passing(JsonNode health)
    {
        long passing = 0;
        for (JsonNode instance : health) {
            boolean allPassing = true;
            for (JsonNode check : instance.path("Checks")) {
                allPassing &= check.path("Status").asText().equals("passing");
            }
            passing += allPassing ? 1 : 0;
        }
        return passing;
    }

    private GatewayServer startGateway(String name)
            throws Exception
    {
        Path config = directory.resolve(name + ".yaml");
        Files.writeString(config, """
                server: {listen: "127.0.0.1:0"}
                admin: {listen: "127.0.0.1:0", token: %s, state-file: "%s"}
                health: {interval: 200ms}
                routing: {default-group: adhoc}
                discovery:
                  source: consul
                  consul:
                    address: "%s"
                    %s
                    service: %s
                    max-wait: 2s
                    retry-min: 100ms
                    retry-max: 500ms
                    departure-grace: 0s
                    state-key-prefix: "%s"
                    register: {service: %s, check-interval: 1s}
                """.formatted(TOKEN, directory.resolve(name + "-states.json"), consul.address(),
                consul.token().map(token -> "token: \"" + token + "\"").orElse(""), service, prefix, gatewayService));
        GatewayServer gateway = new GatewayServer(new ConfigLoader().load(config), Optional.of(config), Map.of());
        gateways.add(gateway);
        gateway.start();
        return gateway;
    }

    /** Registers a Trino coordinator the way an operator would: its cluster id and load probe in ServiceMeta. */
    private void announce(String name, FakeTrino trino, Map<String, String> check)
            throws Exception
    {
        Map<String, Object> registration = new LinkedHashMap<>();
        registration.put("ID", service + "-" + name);
        registration.put("Name", service);
        registration.put("Address", "127.0.0.1");
        registration.put("Port", URI.create(trino.uri()).getPort());
        registration.put("Meta", Map.of("cluster-id", name, "load-probe", "none"));
        registration.put("Check", check);
        consul.register(registration);
    }

    private JsonNode submit(GatewayServer gateway, String sql)
            throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.proxyAddress().getPort() + "/v1/statement"))
                .header("X-Trino-User", "ops")
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(), HttpResponse.BodyHandlers.ofString());
        JsonNode results = JSON.readTree(response.body());
        assertThat(results.has("error")).as(response.body()).isFalse();
        return results;
    }

    /** Follows nextUri to the end, through whichever replica the URIs name, and returns the cluster that answered. */
    private String followToEnd(JsonNode results)
            throws Exception
    {
        String cluster = null;
        JsonNode current = results;
        while (current.has("nextUri")) {
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(current.get("nextUri").asText())).header("X-Trino-User", "ops").GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            current = JSON.readTree(response.body());
            if (current.has("data")) {
                cluster = current.get("data").get(0).get(1).asText();
            }
        }
        assertThat(current.path("stats").path("state").asText()).as(current.toString()).isEqualTo("FINISHED");
        return cluster;
    }

    private JsonNode health(GatewayServer gateway)
            throws Exception
    {
        return JSON.readTree(call(gateway, "GET", "/v1/gateway/health", null).body());
    }

    private JsonNode cluster(GatewayServer gateway, String id)
            throws Exception
    {
        return JSON.readTree(call(gateway, "GET", "/v1/gateway/clusters/" + id, null).body());
    }

    private String adminState(GatewayServer gateway, String id)
            throws Exception
    {
        return cluster(gateway, id).path("adminState").asText();
    }

    private String metrics(GatewayServer gateway)
            throws Exception
    {
        return call(gateway, "GET", "/metrics", null).body();
    }

    private HttpResponse<String> call(GatewayServer gateway, String method, String path, String body)
            throws Exception
    {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path))
                .header("Authorization", "Bearer " + TOKEN)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, UTF_8))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void await(Callable<Boolean> condition, String what)
            throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 20 s");
            }
            Thread.sleep(50);
        }
    }
}
