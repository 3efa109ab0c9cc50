package io.switchboard.routing;

import static io.switchboard.routing.Fixtures.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.ClusterId;
import io.switchboard.core.HealthState;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class TestClusterRegistry
{
    @Test
    void anUpdateSaysWhatItChangedAndNothingForAClusterItDoesNotKnow()
    {
        ClusterRegistry registry = new ClusterRegistry(List.of(cluster("a", "adhoc", 1, 10)));

        Optional<ClusterRegistry.StatusChange> change = registry.update(ClusterId.of("a"), status -> status.withHealth(HealthState.HEALTHY, Instant.EPOCH, Optional.empty()));
        Optional<ClusterRegistry.StatusChange> again = registry.update(ClusterId.of("a"), status -> status.withHealth(HealthState.HEALTHY, Instant.EPOCH, Optional.empty()));

        assertThat(change).hasValueSatisfying(applied -> {
            assertThat(applied.before().health()).isEqualTo(HealthState.UNKNOWN);
            assertThat(applied.after().health()).isEqualTo(HealthState.HEALTHY);
            assertThat(applied.healthChanged()).isTrue();
        });
        assertThat(again).hasValueSatisfying(applied -> assertThat(applied.healthChanged()).isFalse());
        assertThat(registry.update(ClusterId.of("gone"), status -> status)).isEmpty();
        assertThat(registry.snapshot().find(ClusterId.of("a")).orElseThrow().health()).isEqualTo(HealthState.HEALTHY);
    }

    @Test
    void racingUpdatesReportEachClustersTransitionExactlyOnce()
            throws InterruptedException
    {
        List<io.switchboard.core.Cluster> clusters = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            clusters.add(cluster("c" + i, "adhoc", 1, 10));
        }
        ClusterRegistry registry = new ClusterRegistry(clusters);
        AtomicInteger transitions = new AtomicInteger();
        CountDownLatch start = new CountDownLatch(1);
        List<Thread> threads = new ArrayList<>();
        for (io.switchboard.core.Cluster cluster : clusters) {
            Thread thread = new Thread(() -> {
                try {
                    start.await();
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                registry.update(cluster.id(), status -> status.withHealth(HealthState.HEALTHY, Instant.EPOCH, Optional.empty()))
                        .filter(ClusterRegistry.StatusChange::healthChanged)
                        .ifPresent(change -> transitions.incrementAndGet());
            });
            thread.start();
            threads.add(thread);
        }
        start.countDown();
        for (Thread thread : threads) {
            thread.join();
        }

        assertThat(transitions).hasValue(50);
        assertThat(registry.snapshot().clusters()).allSatisfy(status -> assertThat(status.health()).isEqualTo(HealthState.HEALTHY));
    }
}
