package io.switchboard.routing.admission;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How many queries this gateway lets run at once, in all, per user and per source: a query takes a {@link Permit}
 * before it is sent to a cluster and gives it back when it ends. A query that gets none waits in the
 * {@link GatewayQueue}.
 *
 * <p>Counts are this gateway replica's own: with several replicas behind a load balancer, each enforces its limits on
 * the queries it admitted.
 */
public final class ConcurrencyLimits
{
    /** Limits; 0 means unlimited. Named users and sources override the per-user and per-source defaults. */
    public record Settings(int maxQueries, int perUser, int perSource, Map<String, Integer> users, Map<String, Integer> sources)
    {
        public Settings
        {
            users = Map.copyOf(users);
            sources = Map.copyOf(sources);
        }

        public static Settings unlimited()
        {
            return new Settings(0, 0, 0, Map.of(), Map.of());
        }

        public boolean limitsAnything()
        {
            return maxQueries > 0 || perUser > 0 || perSource > 0 || users.values().stream().anyMatch(limit -> limit > 0)
                    || sources.values().stream().anyMatch(limit -> limit > 0);
        }

        int userLimit(String user)
        {
            return users.getOrDefault(user, perUser);
        }

        int sourceLimit(String source)
        {
            return sources.getOrDefault(source, perSource);
        }
    }

    /** The outcome of asking for a permit. */
    public sealed interface Outcome permits Granted, Denied {}

    public record Granted(Permit permit)
            implements Outcome
    {
        public Granted
        {
            requireNonNull(permit, "permit is null");
        }
    }

    /** @param reason which limit is reached, in words a user understands */
    public record Denied(String reason)
            implements Outcome
    {
        public Denied
        {
            requireNonNull(reason, "reason is null");
        }
    }

    /** One running query's share of the limits; giving it back twice counts once. */
    public final class Permit
    {
        private final String user;
        private final String source;
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit(String user, String source)
        {
            this.user = user;
            this.source = source;
        }

        /** The query ended: its share goes back and waiting queries may be admitted. */
        public void release()
        {
            if (released.compareAndSet(false, true)) {
                giveBack(this);
                onRelease.run();
            }
        }

        /** The query never started (it waits again or failed to route): its share goes back without waking anyone. */
        public void cancel()
        {
            if (released.compareAndSet(false, true)) {
                giveBack(this);
            }
        }
    }

    private static final String ANONYMOUS = "";

    private final AtomicReference<Settings> settings;
    private volatile boolean limiting;
    private final Runnable onRelease;
    private final Map<String, Integer> byUser = new HashMap<>();
    private final Map<String, Integer> bySource = new HashMap<>();
    private int total;

    /** @param onRelease called after a running query gave its permit back, so that waiting queries are looked at */
    public ConcurrencyLimits(Settings settings, Runnable onRelease)
    {
        this.settings = new AtomicReference<>(requireNonNull(settings, "settings is null"));
        this.limiting = settings.limitsAnything();
        this.onRelease = requireNonNull(onRelease, "onRelease is null");
    }

    public Settings settings()
    {
        return settings.get();
    }

    /** New limits apply to the next permit asked for; running queries keep theirs. */
    public void reconfigure(Settings newSettings)
    {
        settings.set(requireNonNull(newSettings, "newSettings is null"));
        limiting = newSettings.limitsAnything();
    }

    /** Whether any limit is set; cheap enough for every submission. */
    public boolean limiting()
    {
        return limiting;
    }

    public synchronized Outcome tryAcquire(Optional<String> user, Optional<String> source)
    {
        Settings limits = settings.get();
        String userKey = user.orElse(ANONYMOUS);
        String sourceKey = source.orElse(ANONYMOUS);
        if (limits.maxQueries() > 0 && total >= limits.maxQueries()) {
            return new Denied("the gateway runs " + total + " queries, its limit (limits.max-queries) is " + limits.maxQueries());
        }
        int userLimit = limits.userLimit(userKey);
        int userRunning = byUser.getOrDefault(userKey, 0);
        if (userLimit > 0 && userRunning >= userLimit) {
            return new Denied("user '" + userKey + "' runs " + userRunning + " queries through the gateway, its limit is " + userLimit);
        }
        int sourceLimit = source.isPresent() ? limits.sourceLimit(sourceKey) : 0;
        int sourceRunning = bySource.getOrDefault(sourceKey, 0);
        if (sourceLimit > 0 && sourceRunning >= sourceLimit) {
            return new Denied("source '" + sourceKey + "' runs " + sourceRunning + " queries through the gateway, its limit is " + sourceLimit);
        }
        total++;
        byUser.merge(userKey, 1, Integer::sum);
        bySource.merge(sourceKey, 1, Integer::sum);
        return new Granted(new Permit(userKey, sourceKey));
    }

    public synchronized int running()
    {
        return total;
    }

    public synchronized int runningOfUser(String user)
    {
        return byUser.getOrDefault(user, 0);
    }

    private synchronized void giveBack(Permit permit)
    {
        total--;
        byUser.computeIfPresent(permit.user, (key, count) -> count <= 1 ? null : count - 1);
        bySource.computeIfPresent(permit.source, (key, count) -> count <= 1 ? null : count - 1);
    }
}
