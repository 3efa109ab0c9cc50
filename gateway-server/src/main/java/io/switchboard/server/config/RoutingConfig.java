package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;

/**
 * How queries find their cluster.
 *
 * @param defaultGroup the routing group of queries no rule places elsewhere; when absent, the first cluster's group
 * @param tokenSecret the key that authenticates routing tokens; every replica needs the same one. When absent, a
 *     built-in key is used: tokens still detect corruption, but anyone can forge one
 * @param queryMapSize how many query-to-cluster entries are remembered for requests that name only a query id
 * @param locateTimeout how long to ask every cluster for a query the map forgot
 */
public record RoutingConfig(String defaultGroup, String tokenSecret, Integer queryMapSize, Duration locateTimeout)
{
    public RoutingConfig
    {
        queryMapSize = queryMapSize == null ? 100_000 : queryMapSize;
        locateTimeout = locateTimeout == null ? Duration.ofSeconds(2) : locateTimeout;
        require(tokenSecret == null || tokenSecret.length() >= 16, "token-secret: must be at least 16 characters");
        require(queryMapSize >= 1, "query-map-size: must be at least 1");
        require(locateTimeout.toMillis() >= 1, "locate-timeout: must be positive");
    }

    static RoutingConfig defaults()
    {
        return new RoutingConfig(null, null, null, null);
    }
}
