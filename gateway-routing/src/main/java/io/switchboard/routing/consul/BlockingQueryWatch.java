package io.switchboard.routing.consul;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.spi.SourceStatus;
import org.kiwiproject.consul.model.ConsulResponse;

import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows one Consul resource with blocking queries, on a thread of its own: each request carries the
 * {@code X-Consul-Index} of the previous answer and a wait time, so Consul answers as soon as the resource changes or
 * the wait ends. It keeps the rules Consul documents for such clients: the index is reset when it goes backwards (a
 * snapshot restore, a new cluster of servers) and is never below 1, requests are spaced by a small minimum interval,
 * and errors are retried with a doubling, jittered back-off. Every answer goes to the consumer, changed or not; while
 * Consul cannot be reached the consumer hears nothing, so it keeps what it has.
 */
public final class BlockingQueryWatch<T>
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(BlockingQueryWatch.class);
    /** Spaces requests when Consul answers at once, so that a resource that changes all the time costs little. */
    static final Duration MINIMUM_INTERVAL = Duration.ofMillis(50);

    /** One request to Consul: a blocking one when {@code index} is above zero. */
    @FunctionalInterface
    public interface Query<T>
    {
        ConsulResponse<T> fetch(BigInteger index, Duration wait);
    }

    /**
     * @param maximumWait the longest Consul holds a request open (Consul caps it at 10 minutes)
     * @param retryMin the first back-off after an error
     * @param retryMax the longest back-off
     */
    public record Settings(Duration maximumWait, Duration retryMin, Duration retryMax)
    {
        public Settings
        {
            requireNonNull(maximumWait, "maximumWait is null");
            requireNonNull(retryMin, "retryMin is null");
            requireNonNull(retryMax, "retryMax is null");
            if (maximumWait.toSeconds() < 1 || maximumWait.compareTo(Duration.ofMinutes(10)) > 0) {
                throw new IllegalArgumentException("wait must be between 1s and 10m");
            }
            if (retryMin.isNegative() || retryMin.isZero() || retryMax.compareTo(retryMin) < 0) {
                throw new IllegalArgumentException("retryMin must be positive and retryMax at least retryMin");
            }
        }
    }

    private final String name;
    private final String kind;
    private final Query<T> query;
    private final Consumer<T> consumer;
    private final Settings settings;
    private final Clock clock;
    private BigInteger index = BigInteger.ZERO;
    private int failures;
    private volatile SourceStatus status;
    private volatile boolean closed;
    private Thread thread;

    /**
     * @param name what is watched, for logs and the thread's name ({@code discovery}, {@code cluster-state})
     */
    public BlockingQueryWatch(String name, Query<T> query, Consumer<T> consumer, Settings settings, Clock clock)
    {
        this.name = requireNonNull(name, "name is null");
        this.kind = "consul";
        this.query = requireNonNull(query, "query is null");
        this.consumer = requireNonNull(consumer, "consumer is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.status = new SourceStatus(kind, false, clock.instant(), Optional.empty(), Optional.of("no answer from Consul yet"));
    }

    public synchronized void start()
    {
        if (thread != null || closed) {
            return;
        }
        thread = new Thread(this::run, "switchboard-consul-" + name);
        thread.setDaemon(true);
        thread.start();
    }

    public SourceStatus status()
    {
        return status;
    }

    /** The index the next request carries; zero asks without blocking. */
    synchronized BigInteger index()
    {
        return index;
    }

    private void run()
    {
        while (!closed) {
            Duration pause = poll();
            if (!pause.isZero() && !sleep(pause)) {
                return;
            }
        }
    }

    /**
     * One request and what follows from it.
     *
     * @return how long to wait before the next request
     */
    Duration poll()
    {
        long started = System.nanoTime();
        ConsulResponse<T> response;
        try {
            response = query.fetch(index(), settings.maximumWait());
        }
        catch (RuntimeException e) {
            if (closed) {
                return Duration.ZERO;
            }
            return failed(e);
        }
        succeeded(response.getIndex());
        try {
            consumer.accept(response.getResponse());
        }
        catch (RuntimeException e) {
            // a bug on our side, not Consul's: keep watching
            log.error("event=consul_watch_consumer_failed watch={}", name, e);
        }
        Duration elapsed = Duration.ofNanos(System.nanoTime() - started);
        return elapsed.compareTo(MINIMUM_INTERVAL) >= 0 ? Duration.ZERO : MINIMUM_INTERVAL.minus(elapsed);
    }

    private synchronized void succeeded(BigInteger returned)
    {
        BigInteger next = nextIndex(index, returned);
        if (next.signum() == 0) {
            log.info("event=consul_index_reset watch={} previous={} returned={}", name, index, returned);
        }
        index = next;
        Instant now = clock.instant();
        if (!status.reachable()) {
            if (failures > 0) {
                log.info("event=consul_reachable watch={} after_failures={} unreachable_since={}", name, failures, status.since());
            }
            status = new SourceStatus(kind, true, now, Optional.of(now), Optional.empty());
        }
        else {
            status = new SourceStatus(kind, true, status.since(), Optional.of(now), Optional.empty());
        }
        failures = 0;
    }

    private synchronized Duration failed(RuntimeException e)
    {
        failures++;
        String reason = describe(e);
        Instant now = clock.instant();
        if (status.reachable() || failures == 1) {
            log.warn("event=consul_unreachable watch={} reason=\"{}\" action=\"keeping the last known {}\"", name, reason, name);
            status = new SourceStatus(kind, false, now, status.lastContact(), Optional.of(reason));
        }
        else {
            log.debug("event=consul_unreachable watch={} failures={} reason=\"{}\"", name, failures, reason);
            status = new SourceStatus(kind, false, status.since(), status.lastContact(), Optional.of(reason));
        }
        return backOff(failures, settings, ThreadLocalRandom.current().nextDouble());
    }

    /**
     * The index for the next request after Consul returned {@code returned} to a request that carried
     * {@code previous}: zero (a fresh, non-blocking read) when it went backwards, and at least 1 otherwise, so that a
     * buggy zero never turns the watch into a busy loop.
     */
    static BigInteger nextIndex(BigInteger previous, BigInteger returned)
    {
        if (returned == null) {
            return BigInteger.ONE;
        }
        if (returned.compareTo(previous) < 0) {
            return BigInteger.ZERO;
        }
        return returned.signum() > 0 ? returned : BigInteger.ONE;
    }

    /** Doubles from {@code retryMin} with each failure in a row, up to {@code retryMax}, then takes 50 to 100% of it. */
    static Duration backOff(int failures, Settings settings, double random)
    {
        long millis = settings.retryMin().toMillis();
        for (int i = 1; i < failures && millis < settings.retryMax().toMillis(); i++) {
            millis *= 2;
        }
        millis = Math.min(millis, settings.retryMax().toMillis());
        return Duration.ofMillis(Math.max(1, (long) (millis * (0.5 + random / 2))));
    }

    private static String describe(Throwable failure)
    {
        StringBuilder text = new StringBuilder();
        Throwable current = failure;
        while (current != null && text.length() < 300) {
            if (!text.isEmpty()) {
                text.append(": ");
            }
            text.append(current.getMessage() != null ? current.getMessage() : current.getClass().getSimpleName());
            current = current.getCause() == current ? null : current.getCause();
        }
        return text.toString().replace('"', '\'');
    }

    private boolean sleep(Duration pause)
    {
        try {
            Thread.sleep(pause.toMillis());
            return !closed;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Stops asking; a request that is blocked in Consul ends with its wait time, on a daemon thread. */
    @Override
    public synchronized void close()
    {
        closed = true;
        if (thread != null) {
            thread.interrupt();
        }
    }
}
