package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;

/**
 * The active health check of every cluster.
 *
 * @param healthyThreshold consecutive successful probes before a cluster takes queries
 * @param unhealthyThreshold consecutive failed probes before a cluster stops taking queries
 */
public record HealthConfig(Duration interval, Duration timeout, Integer healthyThreshold, Integer unhealthyThreshold)
{
    public HealthConfig
    {
        interval = interval == null ? Duration.ofSeconds(5) : interval;
        timeout = timeout == null ? Duration.ofSeconds(2) : timeout;
        healthyThreshold = healthyThreshold == null ? 1 : healthyThreshold;
        unhealthyThreshold = unhealthyThreshold == null ? 2 : unhealthyThreshold;
        require(interval.toMillis() >= 100, "interval: must be at least 100ms");
        require(timeout.toMillis() >= 10, "timeout: must be at least 10ms");
        require(healthyThreshold >= 1, "healthy-threshold: must be at least 1");
        require(unhealthyThreshold >= 1, "unhealthy-threshold: must be at least 1");
    }

    static HealthConfig defaults()
    {
        return new HealthConfig(null, null, null, null);
    }
}
