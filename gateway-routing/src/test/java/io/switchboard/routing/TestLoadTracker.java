package io.switchboard.routing;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Queries in flight per cluster: counted from start to end, and forgotten when they go unpolled too long. */
final class TestLoadTracker
{
    private static final ClusterId ALPHA = new ClusterId("alpha");
    private static final ClusterId BETA = new ClusterId("beta");

    private final AtomicLong now = new AtomicLong(1_000_000_000L);

    @Test
    void aQueryCountsFromItsStartToItsEndAndGivesItsPermitBackOnce()
    {
        LoadTracker tracker = new LoadTracker(Duration.ofMinutes(1), 100, now::get, Runnable::run);
        AtomicInteger permitsBack = new AtomicInteger();

        tracker.started(query(1), ALPHA, permitsBack::incrementAndGet);
        tracker.started(query(2), BETA);
        assertThat(tracker.inFlight(ALPHA)).isEqualTo(1);
        assertThat(tracker.inFlight(BETA)).isEqualTo(1);

        tracker.ended(query(1));
        tracker.ended(query(1));
        assertThat(tracker.inFlight(ALPHA)).isZero();
        assertThat(permitsBack).hasValue(1);
    }

    @Test
    void aQueryUnpolledForTheExpiryIsForgottenAndAPolledOneIsKept()
    {
        LoadTracker tracker = new LoadTracker(Duration.ofSeconds(30), 100, now::get, Runnable::run);
        AtomicInteger permitsBack = new AtomicInteger();
        tracker.started(query(1), ALPHA, permitsBack::incrementAndGet);
        tracker.started(query(2), ALPHA, permitsBack::incrementAndGet);

        advance(Duration.ofSeconds(20));
        tracker.polled(query(2));
        advance(Duration.ofSeconds(20));
        tracker.expireIdle();

        assertThat(tracker.inFlight(ALPHA)).isEqualTo(1);
        assertThat(permitsBack).hasValue(1);
        advance(Duration.ofSeconds(31));
        tracker.expireIdle();
        assertThat(tracker.inFlight(ALPHA)).isZero();
        assertThat(permitsBack).hasValue(2);
    }

    @Test
    void theIdleSweepLooksAtMostEverySixteenthOfTheExpiry()
    {
        LoadTracker tracker = new LoadTracker(Duration.ofSeconds(160), 100, now::get, Runnable::run);
        tracker.started(query(1), ALPHA);
        tracker.expireIdle();

        advance(Duration.ofSeconds(165));
        tracker.expireIdle();
        assertThat(tracker.inFlight(ALPHA)).as("swept at 165 s").isZero();

        tracker.started(query(2), ALPHA);
        advance(Duration.ofSeconds(161));
        tracker.expireIdle();
        assertThat(tracker.inFlight(ALPHA)).as("the last sweep was 161 s ago").isZero();

        tracker.started(query(3), ALPHA);
        advance(Duration.ofSeconds(159));
        tracker.expireIdle();
        advance(Duration.ofSeconds(2));
        tracker.expireIdle();
        assertThat(tracker.inFlight(ALPHA)).as("idle for 161 s, but the last sweep was 2 s ago").isEqualTo(1);
        advance(Duration.ofSeconds(8));
        tracker.expireIdle();
        assertThat(tracker.inFlight(ALPHA)).as("10 s after the last sweep").isZero();
    }

    @Test
    void beyondTheMaximumANewQueryDisplacesAnOlderOne()
    {
        LoadTracker tracker = new LoadTracker(Duration.ofMinutes(1), 10, now::get, Runnable::run);
        AtomicInteger permitsBack = new AtomicInteger();
        for (int i = 0; i < 25; i++) {
            advance(Duration.ofMillis(1));
            tracker.started(query(i), ALPHA, permitsBack::incrementAndGet);
        }

        // at 10 a quarter goes, then the map fills again: never more than 10, every forgotten query's permit back
        assertThat(tracker.tracked()).isBetween(8, 10);
        assertThat(tracker.inFlight(ALPHA)).isEqualTo(tracker.tracked());
        assertThat(permitsBack).hasValue(25 - tracker.tracked());
        tracker.ended(query(24));
        assertThat(tracker.inFlight(ALPHA)).isEqualTo(tracker.tracked());
    }

    @Test
    void atTheMaximumTheLeastRecentlyPolledQuarterIsForgottenAndPolledQueriesStay()
    {
        LoadTracker tracker = new LoadTracker(Duration.ofMinutes(10), 800, now::get, Runnable::run);
        for (int i = 0; i < 800; i++) {
            advance(Duration.ofMillis(1));
            tracker.started(query(i), ALPHA);
        }
        // the first 100 queries are the oldest submitted, but their clients poll them
        for (int i = 0; i < 100; i++) {
            advance(Duration.ofMillis(1));
            tracker.polled(query(i));
        }

        tracker.started(query(800), ALPHA);

        assertThat(tracker.tracked()).isEqualTo(601);
        assertThat(tracker.inFlight(ALPHA)).isEqualTo(601);
        for (int i = 0; i < 100; i++) {
            tracker.ended(query(i));
        }
        tracker.ended(query(800));
        // what is left of the never-polled queries are the 500 submitted last: 100..299 went
        assertThat(tracker.tracked()).isEqualTo(500);
        for (int i = 300; i < 800; i++) {
            tracker.ended(query(i));
        }
        assertThat(tracker.tracked()).isZero();
    }

    @Test
    void aSubmissionAtTheMaximumOnlyHandsTheTrimToTheTrimmer()
    {
        List<Runnable> trims = new ArrayList<>();
        LoadTracker tracker = new LoadTracker(Duration.ofMinutes(10), 16, now::get, trims::add);
        for (int i = 0; i < 40; i++) {
            advance(Duration.ofMillis(1));
            tracker.started(query(i), ALPHA);
        }
        // one trim is pending however many submissions found the map full: the map grew meanwhile
        assertThat(trims).hasSize(1);
        assertThat(tracker.tracked()).isEqualTo(40);

        trims.remove(0).run();

        assertThat(tracker.tracked()).isEqualTo(12);
        assertThat(tracker.inFlight(ALPHA)).isEqualTo(12);
        tracker.started(query(40), ALPHA);
        assertThat(trims).isEmpty();
    }

    @Test
    void thousandsOfQueriesOfAnyIdShapeAreEachFoundAndEndedOnce()
    {
        LoadTracker tracker = new LoadTracker(Duration.ofMinutes(1), 100_000, now::get, Runnable::run);
        AtomicInteger permitsBack = new AtomicInteger();
        List<QueryId> queries = new ArrayList<>();
        for (int i = 0; i < 5_000; i++) {
            queries.add(query(i));
            // ids of other shapes are kept as their strings, including ones of a Trino id's length
            queries.add(new QueryId("presto_query_" + i));
            queries.add(new QueryId("2026112x_000000_%05d_abcde".formatted(i)));
        }
        for (int i = 0; i < queries.size(); i++) {
            tracker.started(queries.get(i), i % 2 == 0 ? ALPHA : BETA, permitsBack::incrementAndGet);
        }
        assertThat(tracker.tracked()).isEqualTo(15_000);
        assertThat(tracker.inFlight(ALPHA) + tracker.inFlight(BETA)).isEqualTo(15_000);

        advance(Duration.ofSeconds(40));
        for (int i = 0; i < queries.size(); i += 3) {
            tracker.ended(queries.get(i));
            tracker.ended(queries.get(i));
            tracker.polled(queries.get(i + 1));
        }
        advance(Duration.ofSeconds(30));
        tracker.expireIdle();

        // a third ended, a third was polled 30 s ago and stays, a third went 70 s without a poll
        assertThat(tracker.tracked()).isEqualTo(5_000);
        assertThat(tracker.inFlight(ALPHA) + tracker.inFlight(BETA)).isEqualTo(5_000);
        assertThat(permitsBack).hasValue(10_000);
        for (int i = 1; i < queries.size(); i += 3) {
            tracker.ended(queries.get(i));
        }
        assertThat(tracker.tracked()).isZero();
        assertThat(tracker.inFlight(ALPHA)).isZero();
        assertThat(tracker.inFlight(BETA)).isZero();
        assertThat(permitsBack).hasValue(15_000);
    }

    @Test
    void anEndCallbackMayStartTheNextQueryAsAGatewayQueueDoes()
    {
        LoadTracker tracker = new LoadTracker(Duration.ofSeconds(30), 8, now::get, Runnable::run);
        AtomicInteger next = new AtomicInteger(100);
        Runnable[] startsAnother = new Runnable[1];
        startsAnother[0] = () -> {
            if (next.get() < 130) {
                tracker.started(query(next.getAndIncrement()), ALPHA, startsAnother[0]);
            }
        };
        for (int i = 0; i < 8; i++) {
            advance(Duration.ofMillis(1));
            tracker.started(query(i), ALPHA, startsAnother[0]);
        }
        // an end, a trim at the maximum and an idle sweep each give a permit back, which starts a queued query
        tracker.ended(query(0));
        tracker.started(query(50), ALPHA, startsAnother[0]);
        advance(Duration.ofSeconds(31));
        tracker.expireIdle();

        assertThat(next.get()).isGreaterThan(100);
        assertThat(tracker.inFlight(ALPHA)).isEqualTo(tracker.tracked());
    }

    @Test
    void submissionsPollsAndEndsFromManyThreadsBalance()
            throws Exception
    {
        LoadTracker tracker = new LoadTracker(Duration.ofMinutes(10), 1_000_000);
        AtomicInteger permitsBack = new AtomicInteger();
        int threads = 4;
        int perThread = 20_000;
        List<Thread> workers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int base = t * perThread;
            Thread worker = new Thread(() -> {
                for (int i = base; i < base + perThread; i++) {
                    tracker.started(query(i), i % 2 == 0 ? ALPHA : BETA, permitsBack::incrementAndGet);
                    // every thread also polls what the one before it submits
                    tracker.polled(query((i + perThread) % (threads * perThread)));
                    if (i >= base + 10) {
                        tracker.ended(query(i - 10));
                    }
                }
                for (int i = base + perThread - 10; i < base + perThread; i++) {
                    tracker.ended(query(i));
                }
            });
            worker.start();
            workers.add(worker);
        }
        for (Thread worker : workers) {
            worker.join();
        }

        assertThat(tracker.tracked()).isZero();
        assertThat(tracker.inFlight(ALPHA)).isZero();
        assertThat(tracker.inFlight(BETA)).isZero();
        assertThat(permitsBack).hasValue(threads * perThread);
    }

    private void advance(Duration duration)
    {
        now.addAndGet(duration.toNanos());
    }

    private static QueryId query(int n)
    {
        return new QueryId("20261127_%06d_%05d_abcde".formatted(n / 100_000, n % 100_000));
    }
}
