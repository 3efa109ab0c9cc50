package io.switchboard.routing.consul;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;
import io.switchboard.core.spi.ClusterStateStore;
import io.switchboard.core.spi.SourceStatus;
import org.kiwiproject.consul.Consul;
import org.kiwiproject.consul.ConsulException;
import org.kiwiproject.consul.model.ConsulResponse;
import org.kiwiproject.consul.model.kv.Value;
import org.kiwiproject.consul.option.ImmutablePutOptions;
import org.kiwiproject.consul.option.ImmutableQueryOptions;
import org.kiwiproject.consul.option.QueryOptions;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Admin states in Consul's KV store, one key per cluster under a prefix ({@code switchboard/cluster-state/trino-a}
 * holding {@code DRAINING}), so that every gateway replica obeys the same states. Writes use check-and-set on the
 * key's {@code ModifyIndex}; the prefix is watched with blocking queries, so a change made through one replica (or
 * with {@code consul kv put}) reaches every replica within one round trip. Each state the watch brings is also written
 * to a local store: while Consul cannot be reached, a restarting gateway starts from the last states it saw.
 */
public final class ConsulClusterStateStore
        implements ClusterStateStore, AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(ConsulClusterStateStore.class);
    private static final int CAS_ATTEMPTS = 5;

    public record Settings(String keyPrefix, Optional<String> datacenter, BlockingQueryWatch.Settings watch)
    {
        public Settings
        {
            requireNonNull(keyPrefix, "keyPrefix is null");
            requireNonNull(datacenter, "datacenter is null");
            requireNonNull(watch, "watch is null");
            if (keyPrefix.isEmpty() || keyPrefix.startsWith("/") || !keyPrefix.endsWith("/")) {
                throw new IllegalArgumentException("the key prefix must end with '/' and not start with one: '" + keyPrefix + "'");
            }
        }
    }

    private final Consul consul;
    private final Settings settings;
    private final ClusterStateStore localCopy;
    private final Clock clock;
    private volatile Map<ClusterId, AdminState> known;
    private volatile SourceStatus lastCall;
    private BlockingQueryWatch<List<Value>> watch;

    /**
     * @param localCopy where the states Consul gave are kept for a start while Consul is unreachable
     */
    public ConsulClusterStateStore(Consul consul, Settings settings, ClusterStateStore localCopy, Clock clock)
    {
        this.consul = requireNonNull(consul, "consul is null");
        this.settings = requireNonNull(settings, "settings is null");
        this.localCopy = requireNonNull(localCopy, "localCopy is null");
        this.clock = requireNonNull(clock, "clock is null");
        this.lastCall = new SourceStatus("consul", false, clock.instant(), Optional.empty(), Optional.of("no answer from Consul yet"));
    }

    /** The states as the watch last saw them; before that, read from Consul, or from the local copy if Consul fails. */
    @Override
    public Map<ClusterId, AdminState> load()
            throws IOException
    {
        Map<ClusterId, AdminState> current = known;
        if (current != null) {
            return current;
        }
        try {
            ConsulResponse<List<Value>> response = consul.keyValueClient().getConsulResponseWithValues(settings.keyPrefix(), queryOptions(BigInteger.ZERO, Duration.ZERO));
            Map<ClusterId, AdminState> states = parse(response.getResponse());
            recordCall(Optional.empty());
            mirror(localCopy.load(), states);
            return states;
        }
        catch (ConsulException e) {
            recordCall(Optional.of(e.getMessage()));
            Map<ClusterId, AdminState> saved = localCopy.load();
            log.warn("event=consul_unreachable watch=cluster-state action=\"using the states this gateway last saw: {}\" reason=\"{}\"", saved, e.getMessage());
            return saved;
        }
    }

    /** Writes with check-and-set, reading the key's index again when another writer came first. */
    @Override
    public void save(ClusterId cluster, AdminState state)
            throws IOException
    {
        String key = settings.keyPrefix() + cluster.value();
        try {
            for (int attempt = 1; attempt <= CAS_ATTEMPTS; attempt++) {
                long modifyIndex = consul.keyValueClient().getValue(key, queryOptions(BigInteger.ZERO, Duration.ZERO)).map(Value::getModifyIndex).orElse(0L);
                ImmutablePutOptions.Builder put = ImmutablePutOptions.builder().cas(modifyIndex);
                settings.datacenter().ifPresent(put::dc);
                if (consul.keyValueClient().putValue(key, state.name(), 0, put.build(), UTF_8)) {
                    recordCall(Optional.empty());
                    Map<ClusterId, AdminState> current = known;
                    if (current != null) {
                        Map<ClusterId, AdminState> updated = new LinkedHashMap<>(current);
                        updated.put(cluster, state);
                        known = Map.copyOf(updated);
                    }
                    localCopy.save(cluster, state);
                    return;
                }
                log.info("event=admin_state_write_conflict cluster={} attempt={} cas={}", cluster, attempt, modifyIndex);
            }
        }
        catch (ConsulException e) {
            recordCall(Optional.of(e.getMessage()));
            throw new IOException("Consul did not take the state: " + e.getMessage(), e);
        }
        throw new IOException("the state of " + cluster + " kept changing under " + key + " (" + CAS_ATTEMPTS + " check-and-set attempts)");
    }

    @Override
    public synchronized void watch(Consumer<Map<ClusterId, AdminState>> listener)
    {
        requireNonNull(listener, "listener is null");
        if (watch != null) {
            throw new IllegalStateException("already watching");
        }
        watch = new BlockingQueryWatch<>("cluster-state",
                (index, wait) -> consul.keyValueClient().getConsulResponseWithValues(settings.keyPrefix(), queryOptions(index, wait)),
                values -> changed(parse(values), listener),
                settings.watch(),
                clock);
        watch.start();
    }

    private void changed(Map<ClusterId, AdminState> states, Consumer<Map<ClusterId, AdminState>> listener)
    {
        Map<ClusterId, AdminState> previous = known;
        if (states.equals(previous)) {
            return;
        }
        known = states;
        try {
            mirror(previous != null ? previous : localCopy.load(), states);
        }
        catch (IOException e) {
            log.warn("event=state_copy_failed reason=\"{}\"", e.getMessage());
        }
        listener.accept(states);
    }

    /** Brings the local copy from {@code before} to {@code after}, key by key. */
    private void mirror(Map<ClusterId, AdminState> before, Map<ClusterId, AdminState> after)
            throws IOException
    {
        Set<ClusterId> clusters = new HashSet<>(before.keySet());
        clusters.addAll(after.keySet());
        for (ClusterId cluster : clusters) {
            AdminState from = before.getOrDefault(cluster, AdminState.ACTIVE);
            AdminState to = after.getOrDefault(cluster, AdminState.ACTIVE);
            if (from != to) {
                localCopy.save(cluster, to);
            }
        }
    }

    private Map<ClusterId, AdminState> parse(List<Value> values)
    {
        Map<ClusterId, AdminState> states = new LinkedHashMap<>();
        for (Value value : values == null ? List.<Value>of() : values) {
            String name = value.getKey().substring(Math.min(value.getKey().length(), settings.keyPrefix().length()));
            Optional<String> text = value.getValueAsString(UTF_8).map(String::trim);
            try {
                states.put(ClusterId.of(name), AdminState.valueOf(text.orElse("").toUpperCase(Locale.ROOT)));
            }
            catch (IllegalArgumentException e) {
                log.warn("event=admin_state_key_ignored key={} value=\"{}\" reason=\"expected {}<cluster id> holding ACTIVE, DRAINING or DISABLED\"",
                        value.getKey(), text.orElse(""), settings.keyPrefix());
            }
        }
        return Map.copyOf(states);
    }

    private QueryOptions queryOptions(BigInteger index, Duration wait)
    {
        ImmutableQueryOptions.Builder options = index.signum() > 0
                ? QueryOptions.blockSeconds((int) Math.max(1, wait.toSeconds()), index)
                : ImmutableQueryOptions.builder();
        settings.datacenter().ifPresent(options::datacenter);
        return options.build();
    }

    private void recordCall(Optional<String> error)
    {
        Instant now = clock.instant();
        SourceStatus previous = lastCall;
        boolean reachable = error.isEmpty();
        lastCall = new SourceStatus("consul", reachable, previous.reachable() == reachable ? previous.since() : now,
                reachable ? Optional.of(now) : previous.lastContact(), error);
    }

    /** The watch's view once it runs: a failed write alone does not make the store unreachable, a failed watch does. */
    @Override
    public SourceStatus status()
    {
        BlockingQueryWatch<?> current;
        synchronized (this) {
            current = watch;
        }
        return current == null ? lastCall : current.status();
    }

    @Override
    public synchronized void close()
    {
        if (watch != null) {
            watch.close();
        }
    }
}
