package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;

/**
 * Passive outlier ejection from what the proxy sees.
 *
 * @param consecutiveFailures connect failures or 5xx answers in a row that eject a cluster
 * @param baseEjection how long the first ejection lasts; each ejection in a row doubles it
 * @param maxEjection the longest an ejection lasts
 */
public record OutlierConfig(Integer consecutiveFailures, Duration baseEjection, Duration maxEjection)
{
    public OutlierConfig
    {
        consecutiveFailures = consecutiveFailures == null ? 5 : consecutiveFailures;
        baseEjection = baseEjection == null ? Duration.ofSeconds(30) : baseEjection;
        maxEjection = maxEjection == null ? Duration.ofMinutes(5) : maxEjection;
        require(consecutiveFailures >= 1, "consecutive-failures: must be at least 1");
        require(baseEjection.toMillis() >= 1, "base-ejection: must be positive");
        require(maxEjection.compareTo(baseEjection) >= 0, "max-ejection: must not be shorter than base-ejection");
    }

    static OutlierConfig defaults()
    {
        return new OutlierConfig(null, null, null);
    }
}
