package io.switchboard.routing;

import static io.switchboard.routing.TestQueryHistory.id;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;
import io.switchboard.core.TransactionId;
import io.switchboard.routing.QueryAffinity.QueryRoute;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

final class TestQueryAffinity
{
    private static final ClusterId A = ClusterId.of("trino-a");
    private static final ClusterId B = ClusterId.of("trino-b");

    @Test
    void remembersTheClusterAndSourceOfAQuery()
    {
        QueryAffinity affinity = affinity(10);
        affinity.recordQuery(query(1), A, "trino-cli");
        affinity.recordQuery(QueryId.of("20261126_000000_00001_broken"), B, null);

        assertThat(affinity.routeOfQuery(query(1))).contains(new QueryRoute(A, "trino-cli"));
        assertThat(affinity.clusterOfQuery(query(1))).contains(A);
        assertThat(affinity.routeOfQuery(QueryId.of("20261126_000000_00001_broken"))).contains(new QueryRoute(B, null));
        assertThat(affinity.routeOfQuery(query(2))).isEmpty();
    }

    @Test
    void atCapacityTheOldestQueryIsForgotten()
    {
        QueryAffinity affinity = affinity(3);
        for (int n = 1; n <= 4; n++) {
            affinity.recordQuery(query(n), A, "s");
        }

        assertThat(affinity.clusterOfQuery(query(1))).isEmpty();
        for (int n = 2; n <= 4; n++) {
            assertThat(affinity.clusterOfQuery(query(n))).contains(A);
        }
    }

    @Test
    void findsQueriesAfterTheRingWrappedAroundManyTimes()
    {
        QueryAffinity affinity = affinity(1_000);
        for (int n = 0; n < 25_500; n++) {
            affinity.recordQuery(query(n), n % 2 == 0 ? A : B, "source_" + n % 5);
        }

        for (int n = 24_500; n < 25_500; n++) {
            assertThat(affinity.routeOfQuery(query(n))).contains(new QueryRoute(n % 2 == 0 ? A : B, "source_" + n % 5));
        }
        assertThat(affinity.routeOfQuery(query(24_499))).isEmpty();
        assertThat(affinity.routeOfQuery(query(0))).isEmpty();
    }

    @Test
    void recordingAQueryAgainReplacesItsRoute()
    {
        QueryAffinity affinity = affinity(2);
        affinity.recordQuery(query(1), A, "trino-cli");
        affinity.recordQuery(query(1), B, null);
        affinity.recordQuery(query(2), A, null);

        assertThat(affinity.routeOfQuery(query(1))).contains(new QueryRoute(B, null));
        assertThat(affinity.routeOfQuery(query(2))).contains(new QueryRoute(A, null));
    }

    @Test
    void aFloodOfDistinctSourcesKeepsEachQuerysOwn()
    {
        QueryAffinity affinity = affinity(20_000);
        for (int n = 0; n < 20_000; n++) {
            affinity.recordQuery(query(n), A, "source_" + n);
        }

        for (int n = 0; n < 20_000; n += 101) {
            assertThat(affinity.routeOfQuery(query(n))).map(QueryRoute::source).contains("source_" + n);
        }
    }

    @Test
    void transactionsAreRememberedUntilForgotten()
    {
        QueryAffinity affinity = affinity(10);
        TransactionId transaction = new TransactionId("d8a5c7e2-1b6f-4e0a-9f0e-5c1d2b3a4f5e");
        affinity.recordTransaction(transaction, B);

        assertThat(affinity.clusterOfTransaction(transaction)).contains(B);
        affinity.forgetTransaction(transaction);
        assertThat(affinity.clusterOfTransaction(transaction)).isEmpty();
    }

    @Test
    void concurrentRecordingAndLookupsSeeWholeRoutes()
            throws Exception
    {
        int threads = 4;
        int perThread = 50_000;
        QueryAffinity affinity = affinity(10_000);
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<?>> workers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                workers.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        int n = thread * perThread + i;
                        affinity.recordQuery(query(n), n % 2 == 0 ? A : B, "source_" + n % 7);
                        // a query this thread recorded 1,000 earlier may be gone by now, but if found it is whole
                        assertThat(affinity.routeOfQuery(query(n))).contains(new QueryRoute(n % 2 == 0 ? A : B, "source_" + n % 7));
                        int earlier = Math.max(thread * perThread, n - 1_000);
                        affinity.routeOfQuery(query(earlier))
                                .ifPresent(route -> assertThat(route).isEqualTo(new QueryRoute(earlier % 2 == 0 ? A : B, "source_" + earlier % 7)));
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> worker : workers) {
                worker.get(60, TimeUnit.SECONDS);
            }
        }
        finally {
            executor.shutdownNow();
        }

        int remembered = 0;
        for (int n = 0; n < threads * perThread; n++) {
            if (affinity.routeOfQuery(query(n)).isPresent()) {
                remembered++;
            }
        }
        assertThat(remembered).isEqualTo(10_000);
    }

    @Test
    void theNumberOfQueriesMustFitTheRing()
    {
        assertThatThrownBy(() -> affinity(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> affinity(QueryIdRing.MAX_CAPACITY + 1L)).isInstanceOf(IllegalArgumentException.class);
    }

    private static QueryAffinity affinity(long queries)
    {
        return new QueryAffinity(queries, 100, Duration.ofHours(1));
    }

    private static QueryId query(int n)
    {
        return QueryId.of(id(n));
    }
}
