package io.switchboard.routing;

import static io.switchboard.routing.Fixtures.cluster;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.ClusterId;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

final class TestOutlierDetector
{
    private static final ClusterId A = ClusterId.of("a");

    private final ClusterRegistry registry = new ClusterRegistry(List.of(cluster("a", "g", 1, 10)));
    private final MutableClock clock = new MutableClock(Instant.parse("2026-11-26T12:00:00Z"));
    private final OutlierDetector detector = new OutlierDetector(registry, new OutlierDetector.Settings(3, Duration.ofSeconds(10), Duration.ofSeconds(35)), clock);

    @Test
    void ejectsAfterConsecutiveFailuresOnly()
    {
        detector.onFailure(A, "x");
        detector.onFailure(A, "x");
        detector.onSuccess(A);
        detector.onFailure(A, "x");
        detector.onFailure(A, "x");
        assertThat(ejectedFor()).isZero();

        detector.onFailure(A, "x");
        assertThat(ejectedFor()).isEqualTo(10);
    }

    @Test
    void theBackOffDoublesWithRepeatedEjectionsUpToTheMaximum()
    {
        failTimes(3);
        assertThat(ejectedFor()).isEqualTo(10);
        failTimes(3);
        assertThat(ejectedFor()).isEqualTo(20);
        failTimes(3);
        assertThat(ejectedFor()).isEqualTo(35);
    }

    @Test
    void aSuccessAfterTheEjectionEndsResetsTheBackOff()
    {
        failTimes(3);
        failTimes(3);
        clock.advance(Duration.ofSeconds(30));
        detector.onSuccess(A);

        failTimes(3);

        assertThat(ejectedFor()).isEqualTo(10);
    }

    private void failTimes(int times)
    {
        for (int i = 0; i < times; i++) {
            detector.onFailure(A, "connect refused");
        }
    }

    private long ejectedFor()
    {
        return registry.snapshot().find(A).orElseThrow().ejectedUntil()
                .filter(until -> until.isAfter(clock.instant()))
                .map(until -> Duration.between(clock.instant(), until).toSeconds())
                .orElse(0L);
    }

    private static final class MutableClock
            extends Clock
    {
        private Instant now;

        MutableClock(Instant now)
        {
            this.now = now;
        }

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
