package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.routing.QueryAffinity;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How queries find their cluster.
 *
 * @param defaultGroup the routing group of queries no rule places elsewhere; when absent, the first cluster's group
 * @param rules checked in order; the first that matches names the query's routing group
 * @param groups per routing group: policy and fallback; groups not listed use the defaults
 * @param allowGroupHeader honour {@code X-Trino-Routing-Group} / {@code X-Presto-Routing-Group} from clients
 * @param panicThreshold when more than this percentage of a group's clusters are ejected, ejection is ignored for it
 * @param maxSubmitAttempts clusters a submission is tried on when connections fail before any answer
 * @param tokenSecret the key that authenticates routing tokens; every replica needs the same one. When absent, a
 *     built-in key is used: tokens still detect corruption, but anyone can forge one
 * @param queryMapSize how many query-to-cluster entries are remembered for requests that name only a query id
 * @param locateTimeout how long to ask every cluster for a query the map forgot
 * @param inFlightExpiry a query not polled through this gateway for this long no longer counts as in flight here
 * @param queue the gateway's own queue, for queries over a limit or facing full clusters
 * @param limits queries in flight through this gateway at once: in all, per user, per source
 */
public record RoutingConfig(
        String defaultGroup,
        List<RuleConfig> rules,
        Map<String, GroupConfig> groups,
        Boolean allowGroupHeader,
        Integer panicThreshold,
        Integer maxSubmitAttempts,
        String tokenSecret,
        Integer queryMapSize,
        Duration locateTimeout,
        Duration inFlightExpiry,
        QueueConfig queue,
        LimitsConfig limits)
{
    public RoutingConfig
    {
        rules = rules == null ? List.of() : List.copyOf(rules);
        Map<String, GroupConfig> groupsWithDefaults = new LinkedHashMap<>();
        if (groups != null) {
            groups.forEach((name, group) -> groupsWithDefaults.put(name, group == null ? GroupConfig.defaults() : group));
        }
        groups = java.util.Collections.unmodifiableMap(groupsWithDefaults);
        allowGroupHeader = allowGroupHeader != null && allowGroupHeader;
        panicThreshold = panicThreshold == null ? 50 : panicThreshold;
        maxSubmitAttempts = maxSubmitAttempts == null ? 3 : maxSubmitAttempts;
        queryMapSize = queryMapSize == null ? 100_000 : queryMapSize;
        locateTimeout = locateTimeout == null ? Duration.ofSeconds(2) : locateTimeout;
        inFlightExpiry = inFlightExpiry == null ? Duration.ofMinutes(10) : inFlightExpiry;
        queue = queue == null ? QueueConfig.defaults() : queue;
        limits = limits == null ? LimitsConfig.defaults() : limits;
        for (int i = 0; i < rules.size(); i++) {
            require(rules.get(i) != null, "rules[" + i + "]: is empty");
        }
        require(panicThreshold >= 0 && panicThreshold <= 100, "panic-threshold: must be a percentage between 0 and 100");
        require(maxSubmitAttempts >= 1 && maxSubmitAttempts <= 10, "max-submit-attempts: must be between 1 and 10");
        require(tokenSecret == null || tokenSecret.length() >= 16, "token-secret: must be at least 16 characters");
        require(queryMapSize >= 1, "query-map-size: must be at least 1");
        require(queryMapSize <= QueryAffinity.MAX_QUERIES, "query-map-size: must be at most " + QueryAffinity.MAX_QUERIES);
        require(locateTimeout.toMillis() >= 1, "locate-timeout: must be positive");
        require(inFlightExpiry.toMillis() >= 1000, "in-flight-expiry: must be at least 1s");
    }

    static RoutingConfig defaults()
    {
        return new RoutingConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }

    /** Keeps the token secret out of logs and error messages. */
    @Override
    public String toString()
    {
        return "RoutingConfig[defaultGroup=" + defaultGroup + ", rules=" + rules + ", groups=" + groups + ", allowGroupHeader=" + allowGroupHeader
                + ", panicThreshold=" + panicThreshold + ", maxSubmitAttempts=" + maxSubmitAttempts + ", tokenSecret=" + (tokenSecret == null ? "none" : "***")
                + ", queryMapSize=" + queryMapSize + ", locateTimeout=" + locateTimeout + ", inFlightExpiry=" + inFlightExpiry + ", queue=" + queue
                + ", limits=" + limits + "]";
    }
}
