package io.switchboard.routing.consul;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.spi.SourceStatus;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.model.agent.ImmutableRegCheck;
import org.kiwiproject.consul.model.agent.ImmutableRegistration;
import org.kiwiproject.consul.model.agent.Registration;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's own entry in Consul: a service whose HTTP check asks the gateway's {@code /v1/gateway/health}, so that
 * load balancers and clients that read Consul find every live replica. Registered at start (retried in the background
 * while the agent cannot be reached) and deregistered on a clean stop.
 */
public final class ConsulRegistration
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(ConsulRegistration.class);

    /**
     * @param address the address clients reach the gateway on, as Consul hands it out
     * @param port the gateway's proxy port
     * @param checkUri the health URI Consul's agent polls
     * @param deregisterCriticalAfter how long the check may stay critical before Consul drops the entry by itself
     */
    public record Settings(String service, String id, String address, int port, List<String> tags, Map<String, String> meta, URI checkUri,
            Duration checkInterval, Duration checkTimeout, Duration deregisterCriticalAfter, Duration retryMin, Duration retryMax)
    {
        public Settings
        {
            requireNonNull(service, "service is null");
            requireNonNull(id, "id is null");
            requireNonNull(address, "address is null");
            tags = List.copyOf(tags);
            meta = Map.copyOf(meta);
            requireNonNull(checkUri, "checkUri is null");
            requireNonNull(checkInterval, "checkInterval is null");
            requireNonNull(checkTimeout, "checkTimeout is null");
            requireNonNull(deregisterCriticalAfter, "deregisterCriticalAfter is null");
            requireNonNull(retryMin, "retryMin is null");
            requireNonNull(retryMax, "retryMax is null");
        }
    }

    private final Consul consul;
    private final Settings settings;
    private final Clock clock;
    private volatile SourceStatus status;
    private boolean registered;
    private boolean closed;
    private Thread retries;

    public ConsulRegistration(Consul consul, Settings settings, Clock clock)
    {
        this.consul = requireNonNull(consul, "consul is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.status = new SourceStatus("consul", false, clock.instant(), Optional.empty(), Optional.of("not registered yet"));
    }

    /** Registers now, or keeps trying in the background when the agent does not answer. */
    public synchronized void start()
    {
        if (register()) {
            return;
        }
        retries = new Thread(this::retry, "switchboard-consul-registration");
        retries.setDaemon(true);
        retries.start();
    }

    private void retry()
    {
        BlockingQueryWatch.Settings backOff = new BlockingQueryWatch.Settings(Duration.ofSeconds(1), settings.retryMin(), settings.retryMax());
        for (int failures = 1; ; failures++) {
            try {
                Thread.sleep(BlockingQueryWatch.backOff(failures, backOff, ThreadLocalRandom.current().nextDouble()).toMillis());
            }
            catch (InterruptedException e) {
                return;
            }
            synchronized (this) {
                if (closed || register()) {
                    return;
                }
            }
        }
    }

    private boolean register()
    {
        Registration registration = ImmutableRegistration.builder()
                .name(settings.service())
                .id(settings.id())
                .address(settings.address())
                .port(settings.port())
                .tags(settings.tags())
                .meta(settings.meta())
                .check(ImmutableRegCheck.builder()
                        .http(settings.checkUri().toString())
                        .interval(seconds(settings.checkInterval()))
                        .timeout(seconds(settings.checkTimeout()))
                        .deregisterCriticalServiceAfter(seconds(settings.deregisterCriticalAfter()))
                        .build())
                .build();
        try {
            consul.agentClient().register(registration);
        }
        catch (ConsulException e) {
            boolean first = status.lastError().filter(error -> error.equals("not registered yet")).isPresent();
            status = new SourceStatus("consul", false, status.since(), status.lastContact(), Optional.of(e.getMessage()));
            if (first) {
                log.warn("event=consul_registration_failed service={} id={} reason=\"{}\" action=\"retrying in the background\"", settings.service(), settings.id(), e.getMessage());
            }
            return false;
        }
        registered = true;
        status = new SourceStatus("consul", true, clock.instant(), Optional.of(clock.instant()), Optional.empty());
        log.info("event=consul_registered service={} id={} address={}:{} check={}", settings.service(), settings.id(), settings.address(), settings.port(), settings.checkUri());
        return true;
    }

    public SourceStatus status()
    {
        return status;
    }

    /** Removes the gateway's entry: a clean stop must not leave a dead replica for Consul to hand out. */
    @Override
    public synchronized void close()
    {
        closed = true;
        if (retries != null) {
            retries.interrupt();
        }
        if (!registered) {
            return;
        }
        try {
            consul.agentClient().deregister(settings.id());
            registered = false;
            log.info("event=consul_deregistered service={} id={}", settings.service(), settings.id());
        }
        catch (ConsulException e) {
            log.warn("event=consul_deregistration_failed id={} reason=\"{}\" action=\"Consul drops it after {} critical\"", settings.id(), e.getMessage(),
                    settings.deregisterCriticalAfter());
        }
    }

    /** Consul's durations; whole seconds suit check intervals and keep Consul's parser and the client's apart. */
    private static String seconds(Duration duration)
    {
        return Math.max(1, duration.toSeconds()) + "s";
    }
}
