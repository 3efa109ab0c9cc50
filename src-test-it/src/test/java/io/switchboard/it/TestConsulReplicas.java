package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.switchboard.routing.consul.ConsulDouble;
import io.switchboard.routing.consul.ConsulTarget;
import java.io.IOException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Two gateway processes on one config find the two Trino servers in Consul (the double: Consul cannot be installed
 * here), share admin states through its KV store and register themselves; when Consul fails they keep routing.
 */
@Timeout(180)
final class TestConsulReplicas
{
    private static final String TOKEN = "consul-test-admin-token-0123456789";
    private static final String QUERY = "SELECT count(*) FROM tpch.tiny.region";

    @RegisterExtension
    @Order(1)
    static final ConsulExtension CONSUL = new ConsulExtension();
    @RegisterExtension
    @Order(2)
    static final GatewayExtension REPLICA_A = GatewayExtension.over("a", CONSUL::gatewayConfig);
    @RegisterExtension
    @Order(3)
    static final GatewayExtension REPLICA_B = GatewayExtension.over("b", CONSUL::gatewayConfig);

    private final TrinoProtocol protocol = new TrinoProtocol();

    @AfterEach
    void everyClusterActiveAndConsulWell()
            throws IOException, InterruptedException
    {
        CONSUL.consulDouble().recover();
        ProtocolResponse active = REPLICA_A.gateway().admin().setState(drained().name(), "ACTIVE");
        assertThat(active.status()).as(active.toString()).isEqualTo(200);
    }

    @Test
    void bothReplicasFindTheClustersInConsulAndRegisterThemselves()
            throws Exception
    {
        for (GatewayExtension replica : List.of(REPLICA_A, REPLICA_B)) {
            JsonNode health = health(replica.gateway());
            assertThat(health.path("discovery").path("kind").asText()).isEqualTo("consul");
            assertThat(health.path("discovery").path("reachable").asBoolean()).isTrue();
            assertThat(health.path("stateStore").path("kind").asText()).isEqualTo("consul");
            JsonNode clusters = replica.gateway().clusters();
            assertThat(clusters).extracting(cluster -> cluster.path("uri").asText())
                    .containsExactlyInAnyOrderElementsOf(REPLICA_A.trino().all().stream().map(server -> server.uri().toString()).toList());
        }
        await(() -> passingInstances(CONSUL.target().health(CONSUL.gatewayService)) == 2, "both gateways registered in Consul with a passing check");
        assertThat(CONSUL.target().catalog(CONSUL.gatewayService)).extracting(entry -> entry.path("ServicePort").asInt())
                .containsExactlyInAnyOrder(REPLICA_A.gateway().proxyUri().getPort(), REPLICA_B.gateway().proxyUri().getPort());
    }

    @Test
    void aQuerySubmittedThroughOneReplicaCompletesThroughTheOther()
            throws IOException, InterruptedException
    {
        URI replicaB = REPLICA_B.gateway().proxyUri();
        ProtocolResponse submitted = protocol.submit(REPLICA_A.gateway().proxyUri(), QUERY, TrinoProtocol.TRINO_USER);
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);

        QueryOutcome outcome = protocol.followToEnd(submitted, TrinoProtocol.TRINO_USER, uri -> UriRewrites.withAuthorityOf(uri, replicaB));

        assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        assertThat(outcome.rows()).singleElement().satisfies(row -> assertThat(row.get(0).asLong()).isEqualTo(5));
    }

    @Test
    void aClusterDrainedThroughReplicaATakesNoNewQueryThroughReplicaB()
            throws Exception
    {
        ProtocolResponse draining = REPLICA_A.gateway().admin().setState(drained().name(), "DRAINING");
        assertThat(draining.status()).as(draining.toString()).isEqualTo(200);

        await(() -> REPLICA_B.gateway().admin().cluster(drained().name()).path("adminState").asText().equals("DRAINING"), "DRAINING at replica B");
        String marker = QueryMarkers.newMarker("consul-drain");
        for (int i = 0; i < 8; i++) {
            QueryOutcome outcome = protocol.execute(REPLICA_B.gateway().proxyUri(), "/* " + marker + " */ " + QUERY, TrinoProtocol.TRINO_USER);
            assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        }

        Map<TrinoServer, List<JsonNode>> ran = QueryMarkers.queriesByServer(REPLICA_A.trino(), marker);
        assertThat(ran.get(drained())).as("queries through replica B on the cluster drained through replica A").isEmpty();
        assertThat(ran.get(other())).hasSize(8);
    }

    @Test
    void whenConsulFailsBothReplicasKeepRoutingAndSaySo()
            throws Exception
    {
        ProtocolResponse draining = REPLICA_A.gateway().admin().setState(drained().name(), "DRAINING");
        assertThat(draining.status()).as(draining.toString()).isEqualTo(200);
        await(() -> REPLICA_B.gateway().admin().cluster(drained().name()).path("adminState").asText().equals("DRAINING"), "DRAINING at replica B");

        CONSUL.consulDouble().fail();

        String marker = QueryMarkers.newMarker("consul-down");
        for (GatewayExtension replica : List.of(REPLICA_A, REPLICA_B)) {
            await(() -> !health(replica.gateway()).path("discovery").path("reachable").asBoolean(), "health telling Consul fails");
            JsonNode health = health(replica.gateway());
            assertThat(health.path("stateStore").path("reachable").asBoolean()).isFalse();
            assertThat(health.path("clusters").asInt()).as("clusters kept while Consul fails").isEqualTo(2);
            assertThat(health.path("activeClusters").asInt()).isEqualTo(1);
            assertThat(replica.gateway().admin().get("/metrics").body()).contains("switchboard_source_reachable{kind=\"consul\",source=\"discovery\"} 0.0");
            for (int i = 0; i < 3; i++) {
                QueryOutcome outcome = protocol.execute(replica.gateway().proxyUri(), "/* " + marker + " */ " + QUERY, TrinoProtocol.TRINO_USER);
                assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
            }
        }
        assertThat(QueryMarkers.queriesByServer(REPLICA_A.trino(), marker).get(other())).as("queries routed while Consul fails, by the last known states").hasSize(6);
        assertThat(REPLICA_A.gateway().output()).contains("event=consul_unreachable watch=discovery");

        CONSUL.consulDouble().recover();
        for (GatewayExtension replica : List.of(REPLICA_A, REPLICA_B)) {
            await(() -> health(replica.gateway()).path("discovery").path("reachable").asBoolean(), "health telling Consul answers again");
        }
    }

    private static TrinoServer drained()
    {
        return REPLICA_A.trino().all().get(0);
    }

    private static TrinoServer other()
    {
        return REPLICA_A.trino().all().get(1);
    }

    private static JsonNode health(GatewayProcess gateway)
            throws IOException, InterruptedException
    {
        ProtocolResponse response = gateway.admin().withoutToken().get("/v1/gateway/health");
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.json();
    }

    private static long passingInstances(JsonNode health)
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

    private static void await(Callable<Boolean> condition, String what)
            throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.call()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 30 s");
            }
            Thread.sleep(100);
        }
    }

    /** The Consul double, with both shared Trino servers registered as instances of one service, as an operator would. */
    static final class ConsulExtension
            implements BeforeAllCallback, AfterAllCallback
    {
        private final String service = ConsulTarget.uniqueName("trino");
        private final String gatewayService = ConsulTarget.uniqueName("switchboard");
        private ConsulTarget target;
        private String keyPrefix;

        @Override
        public void beforeAll(ExtensionContext context)
                throws Exception
        {
            target = ConsulTarget.startDouble();
            keyPrefix = target.keyPrefix("cluster-state");
            for (TrinoServer server : SharedTrinoServers.get(context).all()) {
                Map<String, Object> registration = new LinkedHashMap<>();
                registration.put("ID", server.name());
                registration.put("Name", service);
                registration.put("Address", server.uri().getHost());
                registration.put("Port", server.uri().getPort());
                registration.put("Meta", Map.of("cluster-id", server.name(), "routing-group", "adhoc"));
                registration.put("Check", Map.of("HTTP", server.uri() + "/v1/info", "Interval", "2s"));
                target.register(registration);
            }
        }

        /** Runs after both gateways stopped with SIGTERM: each must have left Consul on its way out. */
        @Override
        public void afterAll(ExtensionContext context)
                throws IOException, InterruptedException
        {
            if (target == null) {
                return;
            }
            try {
                target.consulDouble().orElseThrow().recover();
                assertThat(target.catalog(gatewayService)).as("gateway instances left in Consul after a clean stop").isEmpty();
            }
            finally {
                target.close();
            }
        }

        GatewayConfig gatewayConfig(TrinoServers trino)
        {
            return GatewayConfig.adhocOver(trino)
                    .withAdminToken(TOKEN)
                    .withConsul(new GatewayConfig.Consul(target.address(), service, keyPrefix, gatewayService));
        }

        ConsulTarget target()
        {
            return target;
        }

        ConsulDouble consulDouble()
        {
            return target.consulDouble().orElseThrow();
        }
    }
}
