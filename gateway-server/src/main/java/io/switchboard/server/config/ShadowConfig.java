package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;

/**
 * Bounds on shadow mirroring, for every routing group that mirrors ({@code routing.groups.<name>.shadow}).
 *
 * @param maxConcurrentQueries comparisons in progress at once; over it, samples are dropped
 * @param maxBytes SQL text and headers held for running shadow queries; over it, samples are dropped
 * @param maxResultBytes response bytes one shadow query may read before it is cancelled
 * @param maxDuration how long one comparison may take before a still-running shadow query is cancelled
 * @param reportSize recent comparisons and recent mismatches the admin report keeps
 */
public record ShadowConfig(Integer maxConcurrentQueries, DataSize maxBytes, DataSize maxResultBytes, Duration maxDuration, Integer reportSize)
{
    public ShadowConfig
    {
        maxConcurrentQueries = maxConcurrentQueries == null ? 4 : maxConcurrentQueries;
        maxBytes = maxBytes == null ? new DataSize(16 * 1024 * 1024) : maxBytes;
        maxResultBytes = maxResultBytes == null ? new DataSize(256 * 1024 * 1024) : maxResultBytes;
        maxDuration = maxDuration == null ? Duration.ofMinutes(10) : maxDuration;
        reportSize = reportSize == null ? 100 : reportSize;
        require(maxConcurrentQueries >= 1 && maxConcurrentQueries <= 1000, "max-concurrent-queries: must be between 1 and 1000");
        require(maxBytes.bytes() >= 1024, "max-bytes: must be at least 1KB");
        require(maxResultBytes.bytes() >= 1024, "max-result-bytes: must be at least 1KB");
        require(maxDuration.toMillis() >= 1000, "max-duration: must be at least 1s");
        require(reportSize >= 1 && reportSize <= 10_000, "report-size: must be between 1 and 10000");
    }

    static ShadowConfig defaults()
    {
        return new ShadowConfig(null, null, null, null, null);
    }
}
