package io.switchboard.routing.consul;

import static io.switchboard.routing.consul.TestBlockingQueryWatch.await;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;
import io.switchboard.routing.state.FileClusterStateStore;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Admin states shared through Consul KV by every replica, against the double or a real agent (CONSUL_HTTP_ADDR). */
final class TestConsulClusterStateStore
{
    private static final BlockingQueryWatch.Settings WATCH = new BlockingQueryWatch.Settings(Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMillis(400));
    private static final ClusterId TRINO_A = ClusterId.of("trino-a");
    private static final ClusterId TRINO_B = ClusterId.of("trino-b");

    @TempDir
    Path directory;

    private ConsulTarget consul;
    private String prefix;
    private final List<ConsulClusterStateStore> stores = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start()
            throws IOException
    {
        consul = ConsulTarget.start();
        prefix = consul.keyPrefix("state");
    }

    @AfterEach
    void stop()
    {
        stores.forEach(ConsulClusterStateStore::close);
        consul.close();
    }

    private ConsulClusterStateStore replica(String name)
    {
        ConsulClusterStateStore store = new ConsulClusterStateStore(consul.client(), new ConsulClusterStateStore.Settings(prefix, Optional.empty(), WATCH),
                new FileClusterStateStore(directory.resolve(name + ".json"), new ObjectMapper()), Clock.systemUTC());
        stores.add(store);
        return store;
    }

    @Test
    void aStateSavedThroughOneReplicaReachesTheOtherByItsWatch()
            throws Exception
    {
        ConsulClusterStateStore replicaA = replica("a");
        ConsulClusterStateStore replicaB = replica("b");
        List<Map<ClusterId, AdminState>> seenByB = new CopyOnWriteArrayList<>();
        replicaB.watch(seenByB::add);
        await(() -> !seenByB.isEmpty() || replicaB.status().reachable(), "the watch's first answer");

        replicaA.save(TRINO_A, AdminState.DRAINING);

        await(() -> !seenByB.isEmpty() && seenByB.get(seenByB.size() - 1).equals(Map.of(TRINO_A, AdminState.DRAINING)), "the state at replica B");
        assertThat(consul.kvGet(prefix + "trino-a")).contains("DRAINING");
        assertThat(replicaB.load()).isEqualTo(Map.of(TRINO_A, AdminState.DRAINING));
        assertThat(replica("c").load()).as("a replica that starts now").isEqualTo(Map.of(TRINO_A, AdminState.DRAINING));
    }

    @Test
    void anOperatorsKvPutIsObeyedAndAnInvalidValueIgnored()
            throws Exception
    {
        ConsulClusterStateStore store = replica("a");
        List<Map<ClusterId, AdminState>> seen = new CopyOnWriteArrayList<>();
        store.watch(seen::add);

        consul.kvPut(prefix + "trino-b", "disabled");
        consul.kvPut(prefix + "Not_A_Cluster", "DRAINING");
        consul.kvPut(prefix + "trino-a", "SLEEPING");

        await(() -> !seen.isEmpty() && seen.get(seen.size() - 1).equals(Map.of(TRINO_B, AdminState.DISABLED)), "the operator's state");
    }

    @Test
    void savingOverAnotherWritersValueUsesItsNewIndex()
            throws Exception
    {
        ConsulClusterStateStore store = replica("a");
        store.save(TRINO_A, AdminState.DRAINING);
        consul.kvPut(prefix + "trino-a", "DISABLED");

        store.save(TRINO_A, AdminState.ACTIVE);

        assertThat(consul.kvGet(prefix + "trino-a")).contains("ACTIVE");
        assertThat(replica("b").load()).isEqualTo(Map.of(TRINO_A, AdminState.ACTIVE));
    }

    @Test
    void deletingTheKeysMakesEveryClusterActive()
            throws Exception
    {
        ConsulClusterStateStore store = replica("a");
        store.save(TRINO_A, AdminState.DRAINING);
        List<Map<ClusterId, AdminState>> seen = new CopyOnWriteArrayList<>();
        store.watch(seen::add);
        await(() -> !seen.isEmpty() && seen.get(seen.size() - 1).equals(Map.of(TRINO_A, AdminState.DRAINING)), "the saved state");

        consul.kvDeleteTree(prefix);

        await(() -> seen.get(seen.size() - 1).isEmpty(), "no stored state");
    }

    @Test
    void whileConsulFailsARestartingReplicaUsesTheStatesItLastSaw()
            throws Exception
    {
        assumeTrue(consul.consulDouble().isPresent(), "a real agent cannot be made to fail");
        ConsulClusterStateStore store = replica("a");
        List<Map<ClusterId, AdminState>> seen = new CopyOnWriteArrayList<>();
        store.watch(seen::add);
        consul.kvPut(prefix + "trino-b", "DRAINING");
        await(() -> !seen.isEmpty() && seen.get(seen.size() - 1).equals(Map.of(TRINO_B, AdminState.DRAINING)), "the state");

        consul.consulDouble().get().fail();
        await(() -> !store.status().reachable(), "the failure");

        assertThatThrownBy(() -> store.save(TRINO_A, AdminState.DISABLED))
                .isInstanceOf(IOException.class)
                .hasMessageContaining("Consul did not take the state");
        assertThat(store.load()).as("the running replica").isEqualTo(Map.of(TRINO_B, AdminState.DRAINING));
        ConsulClusterStateStore restarted = new ConsulClusterStateStore(consul.client(), new ConsulClusterStateStore.Settings(prefix, Optional.empty(), WATCH),
                new FileClusterStateStore(directory.resolve("a.json"), new ObjectMapper()), Clock.systemUTC());
        assertThat(restarted.load()).as("the same replica after a restart").isEqualTo(Map.of(TRINO_B, AdminState.DRAINING));
        assertThat(restarted.status().reachable()).isFalse();
    }
}
