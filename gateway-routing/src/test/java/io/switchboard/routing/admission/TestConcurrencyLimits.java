package io.switchboard.routing.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

final class TestConcurrencyLimits
{
    private final AtomicInteger releases = new AtomicInteger();

    @Test
    void aUserOverItsLimitIsDeniedUntilOneOfItsQueriesEnds()
    {
        ConcurrencyLimits limits = new ConcurrencyLimits(new ConcurrencyLimits.Settings(0, 2, 0, Map.of("etl-bot", 1), Map.of()), releases::incrementAndGet);

        ConcurrencyLimits.Permit first = granted(limits.tryAcquire(Optional.of("alice"), Optional.empty()));
        granted(limits.tryAcquire(Optional.of("alice"), Optional.empty()));
        ConcurrencyLimits.Outcome third = limits.tryAcquire(Optional.of("alice"), Optional.empty());
        granted(limits.tryAcquire(Optional.of("etl-bot"), Optional.empty()));
        ConcurrencyLimits.Outcome secondOfBot = limits.tryAcquire(Optional.of("etl-bot"), Optional.empty());

        assertThat(((ConcurrencyLimits.Denied) third).reason()).isEqualTo("user 'alice' runs 2 queries through the gateway, its limit is 2");
        assertThat(((ConcurrencyLimits.Denied) secondOfBot).reason()).isEqualTo("user 'etl-bot' runs 1 queries through the gateway, its limit is 1");

        first.release();
        first.release();
        assertThat(releases).hasValue(1);
        assertThat(limits.runningOfUser("alice")).isOne();
        granted(limits.tryAcquire(Optional.of("alice"), Optional.empty()));
        assertThat(limits.tryAcquire(Optional.of("alice"), Optional.empty())).isInstanceOf(ConcurrencyLimits.Denied.class);
    }

    @Test
    void sourcesAndTheWholeGatewayHaveLimitsToo()
    {
        ConcurrencyLimits limits = new ConcurrencyLimits(new ConcurrencyLimits.Settings(3, 0, 0, Map.of(), Map.of("superset", 1)), releases::incrementAndGet);

        ConcurrencyLimits.Permit superset = granted(limits.tryAcquire(Optional.of("a"), Optional.of("superset")));
        assertThat(((ConcurrencyLimits.Denied) limits.tryAcquire(Optional.of("b"), Optional.of("superset"))).reason())
                .isEqualTo("source 'superset' runs 1 queries through the gateway, its limit is 1");
        granted(limits.tryAcquire(Optional.of("b"), Optional.of("cli")));
        granted(limits.tryAcquire(Optional.of("c"), Optional.empty()));
        assertThat(((ConcurrencyLimits.Denied) limits.tryAcquire(Optional.of("d"), Optional.empty())).reason())
                .isEqualTo("the gateway runs 3 queries, its limit (limits.max-queries) is 3");

        superset.cancel();
        assertThat(releases).hasValue(0);
        assertThat(limits.running()).isEqualTo(2);
        granted(limits.tryAcquire(Optional.of("b"), Optional.of("superset")));
    }

    @Test
    void withoutLimitsEveryoneIsGranted()
    {
        ConcurrencyLimits limits = new ConcurrencyLimits(ConcurrencyLimits.Settings.unlimited(), releases::incrementAndGet);

        for (int i = 0; i < 1000; i++) {
            granted(limits.tryAcquire(Optional.of("alice"), Optional.of("cli")));
        }
        assertThat(ConcurrencyLimits.Settings.unlimited().limitsAnything()).isFalse();
    }

    private static ConcurrencyLimits.Permit granted(ConcurrencyLimits.Outcome outcome)
    {
        assertThat(outcome).isInstanceOf(ConcurrencyLimits.Granted.class);
        return ((ConcurrencyLimits.Granted) outcome).permit();
    }
}
