package io.switchboard.routing.consul;

import static io.switchboard.routing.consul.TestBlockingQueryWatch.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.spi.DiscoveredClusters;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Clusters come from the instances of a Consul service, as the double or a real agent (CONSUL_HTTP_ADDR) reports them. */
final class TestConsulDiscovery
{
    private static final BlockingQueryWatch.Settings WATCH = new BlockingQueryWatch.Settings(Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMillis(400));

    private ConsulTarget consul;
    private String service;
    private ConsulDiscovery discovery;
    private final List<DiscoveredClusters> updates = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start()
            throws Exception
    {
        consul = ConsulTarget.start();
        service = ConsulTarget.uniqueName("trino");
    }

    @AfterEach
    void stop()
    {
        if (discovery != null) {
            discovery.close();
        }
        consul.close();
    }

    private void discover(Duration departureGrace)
    {
        discover(departureGrace, Optional.empty());
    }

    private void discover(Duration departureGrace, Optional<java.nio.file.Path> cache)
    {
        discovery = new ConsulDiscovery(consul.client(), new ConsulDiscovery.Settings(service, Optional.empty(), Optional.empty(), RoutingGroup.of("adhoc"), departureGrace, WATCH,
                cache), Clock.systemUTC());
        discovery.start(updates::add);
    }

    @Test
    void everyInstanceIsAClusterWithItsServiceMeta()
            throws Exception
    {
        announce("trino-a", 18080, Map.of("cluster-id", "trino-a", "routing-group", "etl", "capacity", "50"), "passing");
        announce("trino-b", 18081, Map.of(), "passing");

        discover(Duration.ofMinutes(5));

        await(() -> latest().map(clusters -> clusters.clusters().size() == 2).orElse(false), "two clusters");
        assertThat(latest().orElseThrow().clusters()).containsExactly(
                new Cluster(ClusterId.of("trino-a"), URI.create("http://127.0.0.1:18080"), RoutingGroup.of("etl"), false, 1, 50, io.switchboard.core.LoadProbeKind.TRINO_METRICS, false),
                Cluster.of(ClusterId.of("trino-b"), URI.create("http://127.0.0.1:18081"), RoutingGroup.of("adhoc")));
        assertThat(latest().orElseThrow().failing()).isEmpty();
        assertThat(discovery.status().reachable()).isTrue();
    }

    @Test
    void aNewInstanceIsSeenWithoutPolling()
            throws Exception
    {
        announce("trino-a", 18080, Map.of(), "passing");
        discover(Duration.ofMinutes(5));
        await(() -> latest().map(clusters -> clusters.clusters().size() == 1).orElse(false), "the first cluster");

        announce("trino-b", 18081, Map.of(), "passing");

        await(() -> latest().map(clusters -> clusters.clusters().size() == 2).orElse(false), "the second cluster");
    }

    @Test
    void aFailingCheckMakesAFailingClusterThatStaysKnown()
            throws Exception
    {
        announce("trino-a", 18080, Map.of(), "passing");
        discover(Duration.ofMinutes(5));
        await(() -> latest().map(clusters -> clusters.clusters().size() == 1).orElse(false), "the cluster");

        consul.ttl("service:" + service + "-trino-a", "fail", "coordinator answers 503");

        await(() -> latest().map(clusters -> clusters.failing().containsKey(ClusterId.of("trino-a"))).orElse(false), "the failing check");
        assertThat(latest().orElseThrow().clusters()).extracting(Cluster::id).containsExactly(ClusterId.of("trino-a"));
        assertThat(latest().orElseThrow().failing().get(ClusterId.of("trino-a"))).contains("critical").contains("coordinator answers 503");

        consul.ttl("service:" + service + "-trino-a", "pass", "ok");
        await(() -> latest().map(clusters -> clusters.failing().isEmpty()).orElse(false), "the passing check");
    }

    @Test
    void aDeregisteredInstanceStaysKnownForTheGracePeriodThenGoes()
            throws Exception
    {
        announce("trino-a", 18080, Map.of(), "passing");
        announce("trino-b", 18081, Map.of(), "passing");
        discover(Duration.ofSeconds(1));
        await(() -> latest().map(clusters -> clusters.clusters().size() == 2).orElse(false), "two clusters");

        consul.deregister(service + "-trino-b");

        await(() -> latest().map(clusters -> clusters.failing().containsKey(ClusterId.of("trino-b"))).orElse(false), "the departure");
        assertThat(latest().orElseThrow().clusters()).hasSize(2);
        assertThat(latest().orElseThrow().failing().get(ClusterId.of("trino-b"))).contains("no longer registered in Consul");
        // the wait time of 2 s brings an answer after the grace period at the latest
        await(() -> latest().map(clusters -> clusters.clusters().size() == 1).orElse(false), "the removal after the grace period");
        assertThat(latest().orElseThrow().clusters()).extracting(Cluster::id).containsExactly(ClusterId.of("trino-a"));
    }

    @Test
    void anInstanceThatComesBackBeforeTheGracePeriodEndsIsWellAgain()
            throws Exception
    {
        announce("trino-a", 18080, Map.of(), "passing");
        discover(Duration.ofMinutes(5));
        await(() -> latest().map(clusters -> clusters.clusters().size() == 1).orElse(false), "the cluster");
        consul.deregister(service + "-trino-a");
        await(() -> latest().map(clusters -> !clusters.failing().isEmpty()).orElse(false), "the departure");

        announce("trino-a", 18080, Map.of(), "passing");

        await(() -> latest().map(clusters -> clusters.failing().isEmpty() && clusters.clusters().size() == 1).orElse(false), "the return");
    }

    @Test
    void whileConsulFailsTheLastClustersStay()
            throws Exception
    {
        assumeTrue(consul.consulDouble().isPresent(), "a real agent cannot be made to fail");
        announce("trino-a", 18080, Map.of(), "passing");
        discover(Duration.ofSeconds(1));
        await(() -> latest().map(clusters -> clusters.clusters().size() == 1).orElse(false), "the cluster");
        int updatesBefore = updates.size();

        consul.consulDouble().get().fail();
        await(() -> !discovery.status().reachable(), "the failure");
        Thread.sleep(1500);

        assertThat(updates).as("no update while Consul fails, even past the grace period").hasSize(updatesBefore);
        assertThat(discovery.status().lastError()).hasValueSatisfying(error -> assertThat(error).contains("500"));

        consul.consulDouble().get().recover();
        await(() -> discovery.status().reachable(), "the recovery");
        assertThat(latest().orElseThrow().clusters()).hasSize(1);
    }

    @Test
    void aStartWhileConsulIsDownBeginsWithTheClustersOfTheLastAnswer(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception
    {
        assumeTrue(consul.consulDouble().isPresent(), "a real agent cannot be made to fail");
        java.nio.file.Path cache = dir.resolve("consul-clusters.json");
        announce("trino-a", 18080, Map.of("routing-group", "etl"), "passing");
        announce("trino-b", 18081, Map.of(), "passing");
        discover(Duration.ofMinutes(5), Optional.of(cache));
        await(() -> latest().map(clusters -> clusters.clusters().size() == 2).orElse(false), "two clusters");
        await(() -> java.nio.file.Files.exists(cache), "the cache");
        List<Cluster> known = latest().orElseThrow().clusters();
        discovery.close();
        int beforeRestart = updates.size();
        // while the gateway is away, trino-b leaves
        consul.deregister(service + "-trino-b");

        // a restart while Consul answers nothing
        consul.consulDouble().get().fail();
        discover(Duration.ofMinutes(5), Optional.of(cache));

        // the closed discovery says nothing more, even if its last blocking query ended with trino-b's departure
        assertThat(updates).as("the cached clusters, at once").hasSize(beforeRestart + 1);
        assertThat(updates.get(beforeRestart).clusters()).isEqualTo(known);
        await(() -> !discovery.status().reachable(), "the failure");

        // Consul answers again, without trino-b: it departs as any instance does, known for the grace period
        consul.consulDouble().get().recover();
        await(() -> discovery.status().reachable() && latest().orElseThrow().failing().containsKey(ClusterId.of("trino-b")), "the departure");
        assertThat(latest().orElseThrow().clusters()).extracting(Cluster::id).containsExactly(ClusterId.of("trino-a"), ClusterId.of("trino-b"));
    }

    @Test
    void anUnreadableCacheIsIgnored(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception
    {
        java.nio.file.Path cache = java.nio.file.Files.writeString(dir.resolve("consul-clusters.json"), "{ not json");
        announce("trino-a", 18080, Map.of(), "passing");

        discover(Duration.ofMinutes(5), Optional.of(cache));

        await(() -> latest().map(clusters -> clusters.clusters().size() == 1).orElse(false), "the cluster from Consul");
        await(() -> contentOf(cache).startsWith("["), "the cache rewritten");
    }

    @Test
    void invalidInstancesAreLeftOutAndTheOthersServe()
            throws Exception
    {
        announce("trino-a", 18080, Map.of("capacity", "lots"), "passing");
        announce("trino-b", 18081, Map.of(), "passing");

        discover(Duration.ofMinutes(5));

        await(() -> latest().isPresent(), "clusters");
        assertThat(latest().orElseThrow().clusters()).extracting(Cluster::id).containsExactly(ClusterId.of("trino-b"));
    }

    /**
     * Registers an instance of the test's service with a TTL check in the given initial state, the way a coordinator's
     * registration would; its cluster id is its instance ID unless the meta names one.
     */
    private void announce(String name, int port, Map<String, String> meta, String status)
            throws Exception
    {
        Map<String, String> withId = new LinkedHashMap<>(meta);
        withId.putIfAbsent("cluster-id", name);
        consul.register(Map.of(
                "ID", service + "-" + name,
                "Name", service,
                "Address", "127.0.0.1",
                "Port", port,
                "Meta", withId,
                "Check", Map.of("TTL", "10m", "Status", status)));
    }

    private static String contentOf(java.nio.file.Path file)
    {
        try {
            return java.nio.file.Files.readString(file);
        }
        catch (java.io.IOException e) {
            return "";
        }
    }

    private Optional<DiscoveredClusters> latest()
    {
        return updates.isEmpty() ? Optional.empty() : Optional.of(updates.get(updates.size() - 1));
    }
}
