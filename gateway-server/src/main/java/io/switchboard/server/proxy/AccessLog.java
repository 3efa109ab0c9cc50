package io.switchboard.server.proxy;

import io.switchboard.core.protocol.StatementSummary;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One structured line per query when its end is seen: the operators' record of what ran where and how it ended. */
final class AccessLog
{
    private static final Logger log = LoggerFactory.getLogger("io.switchboard.access");

    private AccessLog() {}

    static void queryEnded(RequestInfo request, java.util.Optional<String> source, String cluster, String group, StatementSummary summary)
    {
        log.info("event=query query_id={} user={} source={} cluster={} group={} state={} error={} error_type={} elapsed_ms={}",
                summary.queryId(),
                quoted(request.user().orElse(null)),
                quoted(source.orElse(null)),
                cluster,
                group,
                summary.state(),
                summary.errorName(),
                summary.errorType(),
                summary.elapsedMillis());
    }

    static void queryFailedAtGateway(RequestInfo request, String queryId, String cluster, String group, String errorName, String message)
    {
        log.info("event=query query_id={} user={} source={} cluster={} group={} state=FAILED error={} error_type=GATEWAY message={}",
                queryId,
                quoted(request.user().orElse(null)),
                quoted(request.source().orElse(null)),
                cluster,
                group,
                errorName,
                quoted(message));
    }

    private static String quoted(String value)
    {
        if (value == null) {
            return "-";
        }
        boolean plain = !value.isEmpty() && value.chars().allMatch(c -> c > 0x20 && c < 0x7f && c != '"' && c != '=');
        return plain ? value : '"' + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + '"';
    }
}
