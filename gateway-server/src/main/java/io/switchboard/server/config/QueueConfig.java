package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;

/**
 * The gateway's own queue, where queries wait while their user or source is over its limit or every cluster of a
 * group that holds queries is full.
 *
 * @param maxQueued queries waiting at once; past it a new one fails with {@code QUERY_QUEUE_FULL}
 * @param maxQueuedPerUser queries of one user waiting at once
 * @param maxWait a query waiting this long fails with {@code EXCEEDED_GATEWAY_QUEUE_TIME}
 * @param pollWait how long a waiting client's poll is held before it is answered {@code QUEUED} again
 * @param abandonAfter a waiting query whose client has not polled for this long is dropped
 */
public record QueueConfig(Integer maxQueued, Integer maxQueuedPerUser, Duration maxWait, Duration pollWait, Duration abandonAfter)
{
    public QueueConfig
    {
        maxQueued = maxQueued == null ? 1000 : maxQueued;
        maxQueuedPerUser = maxQueuedPerUser == null ? 100 : maxQueuedPerUser;
        maxWait = maxWait == null ? Duration.ofMinutes(10) : maxWait;
        pollWait = pollWait == null ? Duration.ofSeconds(1) : pollWait;
        abandonAfter = abandonAfter == null ? Duration.ofSeconds(30) : abandonAfter;
        require(maxQueued >= 0, "max-queued: must not be negative");
        require(maxQueuedPerUser >= 1, "max-queued-per-user: must be at least 1");
        require(maxWait.toMillis() >= 1000, "max-wait: must be at least 1s");
        require(pollWait.toMillis() >= 10 && pollWait.toMillis() <= 30_000, "poll-wait: must be between 10ms and 30s");
        require(abandonAfter.compareTo(pollWait.multipliedBy(3)) >= 0, "abandon-after: must be at least three times poll-wait");
    }

    static QueueConfig defaults()
    {
        return new QueueConfig(null, null, null, null, null);
    }
}
