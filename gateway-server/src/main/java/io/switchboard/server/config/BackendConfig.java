package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;

/**
 * Connections from the gateway to cluster coordinators.
 *
 * @param responseTimeout how long a cluster may take to start answering a request; Trino answers a poll within about
 *     a second, so this only catches a coordinator that stopped responding
 * @param idleTimeout how long a response may pause mid-body, and how long an unused pooled connection is kept
 * @param maxIdleConnections pooled idle connections kept per cluster and event-loop thread
 * @param maxConnections open connections per cluster and event-loop thread; a request that finds them all busy waits
 *     for the first to free up, for at most the connect timeout. Trino holds a poll of a running query up to about a
 *     second, so this bounds how many queries' polls one thread passes to a cluster at once
 * @param idlePurgeInterval how often the pool gives back connections a burst left: half of those that stayed unused
 *     through a whole interval are closed
 * @param tls how {@code https} clusters are trusted; without it, the JDK's default trust store
 */
public record BackendConfig(Duration connectTimeout, Duration responseTimeout, Duration idleTimeout, Integer maxIdleConnections, Integer maxConnections, Duration idlePurgeInterval, BackendTlsConfig tls)
{
    public BackendConfig
    {
        connectTimeout = connectTimeout == null ? Duration.ofSeconds(2) : connectTimeout;
        responseTimeout = responseTimeout == null ? Duration.ofSeconds(30) : responseTimeout;
        idleTimeout = idleTimeout == null ? Duration.ofSeconds(60) : idleTimeout;
        maxIdleConnections = maxIdleConnections == null ? 1024 : maxIdleConnections;
        maxConnections = maxConnections == null ? 512 : maxConnections;
        idlePurgeInterval = idlePurgeInterval == null ? Duration.ofSeconds(5) : idlePurgeInterval;
        require(connectTimeout.toMillis() >= 1, "connect-timeout: must be positive");
        require(responseTimeout.toMillis() >= 1, "response-timeout: must be positive");
        require(idleTimeout.toMillis() >= 1, "idle-timeout: must be positive");
        require(maxIdleConnections >= 0, "max-idle-connections: must not be negative");
        require(maxConnections >= 1, "max-connections: must be at least 1");
        require(idlePurgeInterval.toMillis() >= 1, "idle-purge-interval: must be positive");
    }

    public java.util.Optional<BackendTlsConfig> configuredTls()
    {
        return java.util.Optional.ofNullable(tls);
    }

    static BackendConfig defaults()
    {
        return new BackendConfig(null, null, null, null, null, null, null);
    }
}
