package io.switchboard.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.QueryId;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.protocol.GatewayErrorType;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class TestGatewayQueue
{
    private static final GatewayQueue.Settings SETTINGS = new GatewayQueue.Settings(10, 5, Duration.ofMinutes(1), Duration.ofSeconds(30));

    private final MutableClock clock = new MutableClock();
    private final List<String> admitted = new ArrayList<>();
    private final List<String> discarded = new ArrayList<>();
    private final AtomicInteger slots = new AtomicInteger();
    private int nextId;

    @Test
    void usersTakeTurnsWhateverHowManyQueriesEachQueued()
    {
        GatewayQueue<String> queue = queue();
        for (int i = 1; i <= 4; i++) {
            offer(queue, "rogue", "rogue-" + i);
        }
        offer(queue, "alice", "alice-1");
        offer(queue, "bob", "bob-1");
        offer(queue, "alice", "alice-2");

        for (int round = 0; round < 7; round++) {
            slots.set(1);
            queue.dispatch();
        }

        assertThat(admitted).containsExactly("rogue-1", "alice-1", "bob-1", "rogue-2", "alice-2", "rogue-3", "rogue-4");
        assertThat(queue.waiting()).isZero();
    }

    @Test
    void nothingIsAdmittedWithoutCapacityAndTheReasonIsKept()
    {
        GatewayQueue<String> queue = queue();
        GatewayQueue.Entry<String> entry = ((GatewayQueue.Queued<String>) offer(queue, "alice", "alice-1")).entry();

        assertThat(queue.dispatch()).isZero();

        assertThat(queue.view(entry).state()).isEqualTo(GatewayQueue.State.WAITING);
        assertThat(queue.view(entry).waitReason()).isEqualTo("no slot");
    }

    @Test
    void theQueueIsBoundedInAllAndPerUser()
    {
        GatewayQueue<String> queue = queue();
        for (int i = 0; i < 5; i++) {
            assertThat(offer(queue, "alice", "a" + i)).isInstanceOf(GatewayQueue.Queued.class);
        }
        GatewayQueue.Offer<String> sixthOfAlice = offer(queue, "alice", "a5");
        for (int i = 0; i < 5; i++) {
            assertThat(offer(queue, "user-" + i, "u" + i)).isInstanceOf(GatewayQueue.Queued.class);
        }
        GatewayQueue.Offer<String> eleventh = offer(queue, "bob", "b0");

        assertThat(((GatewayQueue.Full<String>) sixthOfAlice).error().message()).contains("User 'alice' already has 5 queries waiting");
        assertThat(((GatewayQueue.Full<String>) eleventh).error().type()).isEqualTo(GatewayErrorType.QUEUE_FULL);
        assertThat(((GatewayQueue.Full<String>) eleventh).error().message()).contains("queue is full: 10 queries wait");
    }

    @Test
    void aQueryThatWaitsTooLongFailsWithTheReasonItWaited()
    {
        GatewayQueue<String> queue = queue();
        GatewayQueue.Entry<String> entry = ((GatewayQueue.Queued<String>) offer(queue, "alice", "alice-1")).entry();
        queue.dispatch();
        List<String> signals = new ArrayList<>();
        assertThat(queue.onChange(entry, () -> signals.add("changed"))).isTrue();

        clock.advance(Duration.ofSeconds(20));
        queue.find(entry.id(), entry.slug());
        clock.advance(Duration.ofSeconds(20));
        queue.find(entry.id(), entry.slug());
        clock.advance(Duration.ofSeconds(20));
        queue.expire();

        assertThat(signals).containsExactly("changed");
        GatewayError error = queue.takeFailure(entry).orElseThrow();
        assertThat(error.type()).isEqualTo(GatewayErrorType.QUEUE_TIMEOUT);
        assertThat(error.message()).contains("waited 60s at the gateway").contains("no slot");
        assertThat(discarded).containsExactly("alice-1 timeout");
        assertThat(queue.size()).isZero();
    }

    @Test
    void aQueryWhoseClientStopsPollingIsDropped()
    {
        GatewayQueue<String> queue = queue();
        GatewayQueue.Entry<String> quiet = ((GatewayQueue.Queued<String>) offer(queue, "alice", "alice-1")).entry();
        GatewayQueue.Entry<String> polling = ((GatewayQueue.Queued<String>) offer(queue, "bob", "bob-1")).entry();

        clock.advance(Duration.ofSeconds(20));
        queue.find(polling.id(), polling.slug());
        clock.advance(Duration.ofSeconds(20));
        queue.expire();

        assertThat(discarded).containsExactly("alice-1 abandoned");
        assertThat(queue.find(quiet.id(), quiet.slug())).isEmpty();
        assertThat(queue.find(polling.id(), polling.slug())).isPresent();
        assertThat(queue.waiting()).isOne();
    }

    @Test
    void anAdmittedQueryIsClaimedOnceWithItsTicket()
    {
        GatewayQueue<String> queue = queue();
        GatewayQueue.Entry<String> entry = ((GatewayQueue.Queued<String>) offer(queue, "alice", "alice-1")).entry();
        List<String> signals = new ArrayList<>();
        queue.onChange(entry, () -> signals.add("changed"));
        slots.set(1);
        queue.dispatch();
        clock.advance(Duration.ofSeconds(3));

        GatewayQueue.Claim<String> claim = queue.claim(entry).orElseThrow();

        assertThat(signals).containsExactly("changed");
        assertThat(claim.payload()).isEqualTo("alice-1");
        assertThat(claim.ticket()).isEqualTo("ticket for alice-1");
        assertThat(claim.waited()).isEqualTo(Duration.ofSeconds(3));
        assertThat(queue.claim(entry)).isEmpty();
        assertThat(queue.onChange(entry, () -> {})).isFalse();
    }

    @Test
    void aCancelledQueryLeavesTheQueueAndAWrongSlugFindsNothing()
    {
        GatewayQueue<String> queue = queue();
        GatewayQueue.Entry<String> entry = ((GatewayQueue.Queued<String>) offer(queue, "alice", "alice-1")).entry();

        assertThat(queue.find(entry.id(), "not-the-slug")).isEmpty();
        assertThat(queue.cancel(entry)).isTrue();
        assertThat(queue.cancel(entry)).isFalse();

        assertThat(discarded).containsExactly("alice-1 cancelled");
        assertThat(queue.waiting()).isZero();
        slots.set(1);
        assertThat(queue.dispatch()).isZero();
    }

    @Test
    void aQueryTheAdmissionFailsIsToldItsError()
    {
        GatewayQueue<String> queue = new GatewayQueue<>(SETTINGS,
                entry -> new GatewayQueue.Fail(new GatewayError(GatewayErrorType.NO_ELIGIBLE_CLUSTER, "no cluster")),
                (entry, ticket, waited, why) -> discarded.add(entry.payload() + " " + why), clock);
        GatewayQueue.Entry<String> entry = ((GatewayQueue.Queued<String>) offer(queue, "alice", "alice-1")).entry();

        assertThat(queue.dispatch()).isOne();

        assertThat(queue.takeFailure(entry).orElseThrow().message()).isEqualTo("no cluster");
        assertThat(discarded).containsExactly("alice-1 failed");
    }

    private GatewayQueue<String> queue()
    {
        return new GatewayQueue<>(SETTINGS, entry -> {
            if (slots.get() == 0) {
                return new GatewayQueue.Wait("no slot");
            }
            slots.decrementAndGet();
            admitted.add(entry.payload());
            return new GatewayQueue.Admit("ticket for " + entry.payload());
        }, (entry, ticket, waited, why) -> discarded.add(entry.payload() + " " + why), clock);
    }

    private GatewayQueue.Offer<String> offer(GatewayQueue<String> queue, String user, String payload)
    {
        nextId++;
        return queue.offer(QueryId.of("20261126_120000_" + String.format("%05d", nextId) + "_gateway"), "slug" + nextId, user, payload);
    }

    private static final class MutableClock
            extends Clock
    {
        private Instant now = Instant.parse("2026-11-26T12:00:00Z");

        void advance(Duration duration)
        {
            now = now.plus(duration);
        }

        @Override
        public ZoneId getZone()
        {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone)
        {
            return this;
        }

        @Override
        public Instant instant()
        {
            return now;
        }
    }
}
