package io.switchboard.server.proxy;

import io.switchboard.core.protocol.StatementSummary;

import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;

/**
 * One structured line per query when its end is seen: the operators' record of what ran where and how it ended.
 * Fields are SLF4J key-value pairs on the logger {@code io.switchboard.access}, so the text layout prints them as
 * {@code key="value"} and Logback's JSON encoder as JSON fields.
 */
final class AccessLog
{
    private static final Logger log = LoggerFactory.getLogger("io.switchboard.access");

    private AccessLog() {}

    static void queryEnded(RequestInfo request, Optional<String> source, String cluster, String group, StatementSummary summary)
    {
        if (!log.isInfoEnabled()) {
            return;
        }
        LoggingEventBuilder line = start(request, summary.queryId(), source, cluster, group)
                .addKeyValue("state", summary.state())
                .addKeyValue("error", summary.errorName())
                .addKeyValue("error_type", summary.errorType())
                .addKeyValue("elapsed_ms", summary.elapsedMillis());
        line.log();
    }

    static void queryFailedAtGateway(RequestInfo request, Optional<String> source, String queryId, String cluster, String group, String errorName, String message)
    {
        if (!log.isInfoEnabled()) {
            return;
        }
        start(request, queryId, source, cluster, group)
                .addKeyValue("state", "FAILED")
                .addKeyValue("error", errorName)
                .addKeyValue("error_type", "GATEWAY")
                .addKeyValue("message", message)
                .log();
    }

    private static LoggingEventBuilder start(RequestInfo request, String queryId, Optional<String> source, String cluster, String group)
    {
        return log.atInfo()
                .setMessage("query")
                .addKeyValue("event", "query")
                .addKeyValue("query_id", queryId)
                .addKeyValue("user", request.user().orElse(null))
                .addKeyValue("source", source.orElse(null))
                .addKeyValue("cluster", cluster)
                .addKeyValue("group", group);
    }
}
