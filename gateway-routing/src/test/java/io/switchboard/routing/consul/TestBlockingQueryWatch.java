package io.switchboard.routing.consul;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.switchboard.core.spi.SourceStatus;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The blocking-query loop keeps Consul's rules for clients, against the double or a real agent. */
final class TestBlockingQueryWatch
{
    private static final BlockingQueryWatch.Settings SETTINGS = new BlockingQueryWatch.Settings(Duration.ofSeconds(2), Duration.ofMillis(100), Duration.ofMillis(400));

    private ConsulTarget consul;
    private Consul client;
    private String prefix;
    private final List<List<String>> seen = new CopyOnWriteArrayList<>();
    private BlockingQueryWatch<List<Value>> watch;

    @BeforeEach
    void start()
            throws Exception
    {
        consul = ConsulTarget.start();
        client = consul.client();
        prefix = consul.keyPrefix("watch");
        watch = new BlockingQueryWatch<>("test", this::fetch, values -> seen.add(values == null ? List.of() : values.stream().map(value -> value.getValueAsString().orElse("")).toList()),
                SETTINGS, Clock.systemUTC());
    }

    @AfterEach
    void stop()
    {
        watch.close();
        consul.close();
    }

    private ConsulResponse<List<Value>> fetch(BigInteger index, Duration wait)
    {
        QueryOptions options = index.signum() > 0 ? QueryOptions.blockSeconds((int) wait.toSeconds(), index).build() : ImmutableQueryOptions.builder().build();
        return client.keyValueClient().getConsulResponseWithValues(prefix, options);
    }

    @Test
    void theIndexIsResetWhenItGoesBackwardsAndIsNeverBelowOne()
    {
        assertThat(BlockingQueryWatch.nextIndex(BigInteger.ZERO, BigInteger.valueOf(42))).isEqualTo(BigInteger.valueOf(42));
        assertThat(BlockingQueryWatch.nextIndex(BigInteger.valueOf(42), BigInteger.valueOf(42))).isEqualTo(BigInteger.valueOf(42));
        assertThat(BlockingQueryWatch.nextIndex(BigInteger.valueOf(42), BigInteger.valueOf(7))).isEqualTo(BigInteger.ZERO);
        assertThat(BlockingQueryWatch.nextIndex(BigInteger.ZERO, BigInteger.ZERO)).isEqualTo(BigInteger.ONE);
        assertThat(BlockingQueryWatch.nextIndex(BigInteger.ONE, null)).isEqualTo(BigInteger.ONE);
    }

    @Test
    void backOffDoublesUpToItsLimitWithJitter()
    {
        assertThat(BlockingQueryWatch.backOff(1, SETTINGS, 1.0)).isEqualTo(Duration.ofMillis(100));
        assertThat(BlockingQueryWatch.backOff(2, SETTINGS, 1.0)).isEqualTo(Duration.ofMillis(200));
        assertThat(BlockingQueryWatch.backOff(3, SETTINGS, 1.0)).isEqualTo(Duration.ofMillis(400));
        assertThat(BlockingQueryWatch.backOff(30, SETTINGS, 1.0)).isEqualTo(Duration.ofMillis(400));
        assertThat(BlockingQueryWatch.backOff(30, SETTINGS, 0.0)).isEqualTo(Duration.ofMillis(200));
    }

    @Test
    void aBlockingQueryAnswersAsSoonAsTheResourceChanges()
            throws Exception
    {
        watch.start();
        await(() -> !seen.isEmpty(), "the first answer");
        assertThat(seen.get(seen.size() - 1)).isEmpty();
        BigInteger blockedOn = watch.index();

        consul.kvPut(prefix + "a", "one");

        await(() -> seen.get(seen.size() - 1).equals(List.of("one")), "the change");
        assertThat(watch.index()).isGreaterThan(blockedOn);
        assertThat(watch.status().reachable()).isTrue();
    }

    @Test
    void anUnchangedResourceAnswersWhenTheWaitEnds()
            throws Exception
    {
        watch.start();
        await(() -> !seen.isEmpty(), "the first answer");
        int answers = seen.size();
        BigInteger index = watch.index();

        await(() -> seen.size() > answers, "an answer after the wait time");

        assertThat(watch.index()).isEqualTo(index);
        assertThat(seen.get(seen.size() - 1)).isEmpty();
    }

    @Test
    void whileConsulFailsTheConsumerKeepsWhatItHadAndTheStatusSaysSo()
            throws Exception
    {
        assumeTrue(consul.consulDouble().isPresent(), "a real agent cannot be made to fail");
        ConsulDouble consulDouble = consul.consulDouble().get();
        consul.kvPut(prefix + "a", "one");
        watch.start();
        await(() -> !seen.isEmpty() && seen.get(seen.size() - 1).equals(List.of("one")), "the first answer");
        int answers = seen.size();

        consulDouble.fail();
        await(() -> !watch.status().reachable(), "the failure");
        int requests = consulDouble.requestCount();
        Thread.sleep(700);

        SourceStatus failed = watch.status();
        assertThat(seen).hasSize(answers);
        assertThat(failed.lastError()).hasValueSatisfying(error -> assertThat(error).contains("500"));
        assertThat(failed.lastContact()).isPresent();
        assertThat(consulDouble.requestCount() - requests).as("requests in 700 ms of back-off from 100 to 400 ms").isLessThanOrEqualTo(6);

        consulDouble.recover();
        consul.kvPut(prefix + "a", "two");
        await(() -> seen.get(seen.size() - 1).equals(List.of("two")), "the change after recovery");
        assertThat(watch.status().reachable()).isTrue();
        assertThat(watch.status().lastError()).isEmpty();
    }

    @Test
    void anIndexThatGoesBackwardsStartsAFreshRead()
            throws Exception
    {
        assumeTrue(consul.consulDouble().isPresent(), "a real agent cannot be rewound");
        ConsulDouble consulDouble = consul.consulDouble().get();
        consul.kvPut(prefix + "a", "one");
        watch.start();
        await(() -> !seen.isEmpty() && seen.get(seen.size() - 1).equals(List.of("one")), "the first answer");
        BigInteger before = watch.index();

        consulDouble.rewindIndexes(5);
        await(() -> watch.index().compareTo(before) < 0 && watch.index().signum() > 0, "an index below the one before the rewind");
        consul.kvPut(prefix + "a", "two");

        await(() -> seen.get(seen.size() - 1).equals(List.of("two")), "the change after the rewind");
    }

    static void await(BooleanSupplier condition, String what)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("no " + what + " within 15 s");
            }
            Thread.sleep(20);
        }
    }
}
