package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.routing.admission.ConcurrencyLimits;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How many queries run through this gateway at once; 0 means unlimited. A query over a limit waits in the gateway's
 * queue until a query of the same user, source or gateway ends.
 *
 * @param maxQueries queries in flight through this gateway in all
 * @param perUser queries in flight per user, unless {@code users} names the user
 * @param perSource queries in flight per source ({@code X-Trino-Source}), unless {@code sources} names it
 */
public record LimitsConfig(Integer maxQueries, Integer perUser, Integer perSource, Map<String, Integer> users, Map<String, Integer> sources)
{
    public LimitsConfig
    {
        maxQueries = maxQueries == null ? 0 : maxQueries;
        perUser = perUser == null ? 0 : perUser;
        perSource = perSource == null ? 0 : perSource;
        users = copy(users, "users");
        sources = copy(sources, "sources");
        require(maxQueries >= 0, "max-queries: must not be negative (0 means unlimited)");
        require(perUser >= 0, "per-user: must not be negative (0 means unlimited)");
        require(perSource >= 0, "per-source: must not be negative (0 means unlimited)");
    }

    private static Map<String, Integer> copy(Map<String, Integer> limits, String field)
    {
        Map<String, Integer> copy = new LinkedHashMap<>();
        if (limits != null) {
            limits.forEach((name, limit) -> {
                require(limit != null && limit >= 0, field + "." + name + ": must be a number of queries, 0 meaning unlimited");
                copy.put(name, limit);
            });
        }
        return java.util.Collections.unmodifiableMap(copy);
    }

    public ConcurrencyLimits.Settings toSettings()
    {
        return new ConcurrencyLimits.Settings(maxQueries, perUser, perSource, users, sources);
    }

    static LimitsConfig defaults()
    {
        return new LimitsConfig(null, null, null, null, null);
    }
}
