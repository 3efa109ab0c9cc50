package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.switchboard.routing.QueryHistory.Entry;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

final class TestQueryHistory
{
    private static final Instant T0 = Instant.parse("2026-11-26T10:15:30.123456789Z");
    private static final Predicate<Entry> ALL = entry -> true;

    @Test
    void listsWhatWasSubmittedAndHowItEndedNewestFirst()
    {
        QueryHistory history = new QueryHistory(10);
        history.submitted("20261126_101530_00001_abcde", "alice", "trino-cli", "trino-a", "adhoc", T0);
        history.submitted("20261126_101531_00002_abcde", null, null, null, "etl", T0.plusNanos(1));
        history.ended("20261126_101530_00001_abcde", "FAILED", "EXCEEDED_TIME_LIMIT", 1234, T0.plusSeconds(2));

        assertThat(history.recent(ALL, 10)).containsExactly(
                new Entry("20261126_101531_00002_abcde", null, null, null, "etl", T0.plusNanos(1), "QUEUED", null, -1, null),
                new Entry("20261126_101530_00001_abcde", "alice", "trino-cli", "trino-a", "adhoc", T0, "FAILED", "EXCEEDED_TIME_LIMIT", 1234, T0.plusSeconds(2)));
    }

    @Test
    void trinoIdsAndIdsOfOtherShapesReadBackAsTheyWereGiven()
    {
        List<String> ids = List.of("20261126_101530_00042_abcde", "00000000_000000_00000_00000", "99991231_235959_99999_zzzzz",
                "20261126_000000_00001_broken", "20261126_000000_00001_abcd", "q1", "20261126-101530_00042_abcde", "20261126_101530_00042_ABCDE", "");
        QueryHistory history = new QueryHistory(ids.size());
        for (String id : ids) {
            history.submitted(id, "u", null, null, "g", T0);
        }

        assertThat(history.recent(ALL, 100)).extracting(Entry::queryId).containsExactlyElementsOf(reversed(ids));
        for (String id : ids) {
            assertThat(history.find(id)).map(Entry::queryId).contains(id);
        }
        assertThat(history.find("20261126_101530_00042_abcdf")).isEmpty();
        assertThat(history.find("q2")).isEmpty();
    }

    @Test
    void atCapacityTheOldestQueryMakesRoomForTheNewest()
    {
        QueryHistory history = new QueryHistory(3);
        for (int n = 1; n <= 4; n++) {
            history.submitted(id(n), "u", null, "c", "g", T0);
        }

        assertThat(history.size()).isEqualTo(3);
        assertThat(history.recent(ALL, 10)).extracting(Entry::queryId).containsExactly(id(4), id(3), id(2));
        assertThat(history.find(id(1))).isEmpty();
        history.ended(id(1), "FINISHED", null, 5, T0);
        assertThat(history.find(id(1))).isEmpty();
    }

    @Test
    void findsQueriesAfterTheRingWrappedAroundManyTimes()
    {
        QueryHistory history = new QueryHistory(100);
        for (int n = 0; n < 10_050; n++) {
            history.submitted(n % 3 == 0 ? "gateway-" + n : id(n), "user_" + n, "source", "c", "g", T0.plusMillis(n));
        }

        for (int n = 9_950; n < 10_050; n++) {
            String id = n % 3 == 0 ? "gateway-" + n : id(n);
            assertThat(history.find(id)).map(Entry::user).as(id).contains("user_" + n);
            assertThat(history.find(id)).map(Entry::submitted).contains(T0.plusMillis(n));
        }
        assertThat(history.find(id(9_949))).isEmpty();
        assertThat(history.find("gateway-9948")).isEmpty();
        assertThat(history.recent(ALL, 1_000)).hasSize(100).first().extracting(Entry::user).isEqualTo("user_10049");
    }

    @Test
    void aQueryThatEndsIsUpdatedInPlaceAndMayEndAgain()
    {
        QueryHistory history = new QueryHistory(3);
        for (int n = 0; n < 5; n++) {
            history.submitted(id(n), "u", null, "c", "g", T0);
        }
        history.ended(id(3), "FINISHED", null, 10, T0.plusSeconds(1));
        history.ended(id(3), "FAILED", "USER_CANCELED", -1, T0.plusSeconds(2));

        assertThat(history.recent(ALL, 10)).extracting(Entry::queryId).containsExactly(id(4), id(3), id(2));
        assertThat(history.find(id(3))).contains(new Entry(id(3), "u", null, "c", "g", T0, "FAILED", "USER_CANCELED", -1, T0.plusSeconds(2)));
    }

    @Test
    void aSecondSubmissionOfTheSameQueryChangesNothing()
    {
        QueryHistory history = new QueryHistory(3);
        history.submitted(id(1), "alice", null, "c", "g", T0);
        history.submitted(id(2), "bob", null, "c", "g", T0);
        history.submitted(id(1), "mallory", null, "d", "h", T0.plusSeconds(9));

        assertThat(history.size()).isEqualTo(2);
        assertThat(history.recent(ALL, 10)).extracting(Entry::queryId, Entry::user).containsExactly(
                tuple(id(2), "bob"), tuple(id(1), "alice"));
    }

    @Test
    void listingFiltersNewestFirstAndStopsAtTheLimit()
    {
        QueryHistory history = new QueryHistory(5_000);
        for (int n = 0; n < 4_000; n++) {
            history.submitted(id(n), n % 2 == 0 ? "even" : "odd", null, "c", "g", T0);
        }

        assertThat(history.recent(entry -> entry.user().equals("odd"), 3)).extracting(Entry::queryId).containsExactly(id(3_999), id(3_997), id(3_995));
        assertThat(history.recent(entry -> entry.queryId().equals(id(0)), 10)).extracting(Entry::queryId).containsExactly(id(0));
        assertThat(history.recent(entry -> false, 10)).isEmpty();
    }

    @Test
    void instantsKeepTheirNanosecondsAndFarOnesAreHeldToTheRange()
    {
        QueryHistory history = new QueryHistory(3);
        Instant early = Instant.parse("1700-01-01T00:00:00.000000001Z");
        history.submitted(id(1), "u", null, null, "g", early);
        history.ended(id(1), "FINISHED", null, 0, Instant.EPOCH.minusNanos(1));
        history.submitted(id(2), "u", null, null, "g", Instant.MAX);

        assertThat(history.find(id(1))).map(Entry::submitted).contains(early);
        assertThat(history.find(id(1))).map(Entry::ended).contains(Instant.EPOCH.minusNanos(1));
        assertThat(history.find(id(2)).orElseThrow().submitted()).isAfter(Instant.parse("2262-01-01T00:00:00Z"));
    }

    @Test
    void manyDistinctUsersAreEachKeptThoughTheSharedTableIsBounded()
    {
        QueryHistory history = new QueryHistory(50_000);
        for (int n = 0; n < 50_000; n++) {
            history.submitted(id(n), new String("user_" + n), new String("source_" + n % 7), "c", "g", T0);
        }

        for (int n = 0; n < 50_000; n += 997) {
            assertThat(history.find(id(n))).map(entry -> entry.user() + "/" + entry.source()).contains("user_" + n + "/source_" + n % 7);
        }
    }

    @Test
    void behavesAsABoundedInsertionOrderedMap()
    {
        // random submissions and ends of a few hundred ids, both shapes, through a ring that wraps many times,
        // checked against the map the history used to be
        Random random = new Random(8);
        int capacity = 37;
        QueryHistory history = new QueryHistory(capacity);
        Map<String, Entry> model = new LinkedHashMap<>();
        for (int step = 0; step < 100_000; step++) {
            long elapsed = step;
            int n = random.nextInt(300);
            String id = n % 4 == 0 ? "other_" + n : id(n);
            Instant now = T0.plusMillis(step);
            if (random.nextInt(3) > 0) {
                history.submitted(id, "u" + n, null, "c", "g", now);
                if (!model.containsKey(id)) {
                    model.put(id, new Entry(id, "u" + n, null, "c", "g", now, "QUEUED", null, -1, null));
                    if (model.size() > capacity) {
                        model.remove(model.keySet().iterator().next());
                    }
                }
            }
            else {
                history.ended(id, "FINISHED", null, elapsed, now);
                model.computeIfPresent(id, (key, entry) -> new Entry(id, entry.user(), null, "c", "g", entry.submitted(), "FINISHED", null, elapsed, now));
            }
            Optional<Entry> probe = history.find(id);
            assertThat(probe).isEqualTo(Optional.ofNullable(model.get(id)));
        }
        assertThat(history.recent(ALL, 1_000)).containsExactlyElementsOf(reversed(new ArrayList<>(model.values())));
    }

    @Test
    void concurrentRecordingEndingAndListingKeepEveryEntryWhole()
            throws Exception
    {
        int capacity = 5_000;
        int threads = 4;
        int perThread = 40_000;
        QueryHistory history = new QueryHistory(capacity);
        ExecutorService executor = Executors.newFixedThreadPool(threads + 1);
        CountDownLatch start = new CountDownLatch(1);
        AtomicBoolean recording = new AtomicBoolean(true);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                writers.add(executor.submit(() -> {
                    start.await();
                    for (int i = 0; i < perThread; i++) {
                        int n = thread * perThread + i;
                        history.submitted(id(n), "user_" + n, null, "c" + thread, "g", T0.plusMillis(n));
                        history.ended(id(n), "FINISHED", null, n, T0.plusMillis(n + 1));
                        history.find(id(n - 100));
                    }
                    return null;
                }));
            }
            Future<Integer> lister = executor.submit(() -> {
                start.await();
                int lists = 0;
                while (recording.get()) {
                    for (Entry entry : history.recent(ALL, 2_000)) {
                        assertWhole(entry);
                    }
                    lists++;
                }
                return lists;
            });
            start.countDown();
            for (Future<?> writer : writers) {
                writer.get(60, TimeUnit.SECONDS);
            }
            recording.set(false);
            assertThat(lister.get(60, TimeUnit.SECONDS)).isPositive();
        }
        finally {
            executor.shutdownNow();
        }

        List<Entry> all = history.recent(ALL, 10_000);
        assertThat(all).hasSize(capacity);
        Set<String> ids = new HashSet<>();
        for (Entry entry : all) {
            assertWhole(entry);
            assertThat(entry.ended()).isNotNull();
            assertThat(ids.add(entry.queryId())).isTrue();
            assertThat(history.find(entry.queryId())).contains(entry);
        }
        // the newest is the last query of the writer that finished last
        List<String> lastQueries = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            lastQueries.add(id(t * perThread + perThread - 1));
        }
        assertThat(all.get(0).queryId()).isIn(lastQueries);
    }

    @Test
    void capacityMustBePositive()
    {
        assertThatThrownBy(() -> new QueryHistory(0)).isInstanceOf(IllegalArgumentException.class);
    }

    /** The fields of an entry written by the concurrent test all belong to the same query. */
    private static void assertWhole(Entry entry)
    {
        int n = Integer.parseInt(entry.queryId().substring(16, 21)) + 100_000 * Integer.parseInt(entry.queryId().substring(9, 15));
        assertThat(entry.user()).isEqualTo("user_" + n);
        assertThat(entry.submitted()).isEqualTo(T0.plusMillis(n));
        if (entry.ended() != null) {
            assertThat(entry.elapsedMillis()).isEqualTo(n);
            assertThat(entry.state()).isEqualTo("FINISHED");
        }
    }

    /** A Trino-shaped id for query number {@code n}, unique up to 10^11. */
    static String id(int n)
    {
        return "%08d_%06d_%05d_k3m9q".formatted(20261126, Math.max(0, n) / 100_000, Math.max(0, n) % 100_000);
    }

    private static <T> List<T> reversed(List<T> values)
    {
        List<T> result = new ArrayList<>(values);
        Collections.reverse(result);
        return result;
    }
}
