package io.switchboard.core.protocol;

/**
 * Every way the gateway itself can fail a request, each with one HTTP status (used outside the statement protocol,
 * or where the protocol asks for it) and one Trino error name and type that clients show.
 *
 * <p>Inside the statement protocol most failures answer 200 with a {@code FAILED} query: clients retry 502, 503 and
 * 504 and fail on any other status with a message that hides the reason, so a failed query is the clearest answer.
 */
public enum GatewayErrorType
{
    BAD_REQUEST(400, "GATEWAY_BAD_REQUEST", "USER_ERROR", 1),
    NOT_FOUND(404, "GATEWAY_NOT_FOUND", "USER_ERROR", 2),
    UNKNOWN_ROUTE(404, "GATEWAY_UNKNOWN_ROUTE", "USER_ERROR", 3),
    QUERY_NOT_FOUND(404, "GATEWAY_QUERY_NOT_FOUND", "USER_ERROR", 4),
    REQUEST_TOO_LARGE(413, "GATEWAY_REQUEST_TOO_LARGE", "USER_ERROR", 5),
    NO_ELIGIBLE_CLUSTER(503, "NO_ELIGIBLE_CLUSTER", "INSUFFICIENT_RESOURCES", 6),
    BACKEND_CONNECT_FAILED(502, "CLUSTER_UNREACHABLE", "EXTERNAL", 7),
    BACKEND_TIMEOUT(504, "CLUSTER_TIMEOUT", "EXTERNAL", 8),
    BACKEND_CLOSED(502, "CLUSTER_CONNECTION_CLOSED", "EXTERNAL", 9),
    BACKEND_BAD_RESPONSE(502, "CLUSTER_BAD_RESPONSE", "EXTERNAL", 10),
    INTERNAL(500, "GATEWAY_INTERNAL_ERROR", "INTERNAL_ERROR", 11),
    QUEUE_FULL(503, "QUERY_QUEUE_FULL", "INSUFFICIENT_RESOURCES", 12),
    QUEUE_TIMEOUT(503, "EXCEEDED_GATEWAY_QUEUE_TIME", "INSUFFICIENT_RESOURCES", 13),
    QUEUED_QUERY_GONE(404, "GATEWAY_QUEUED_QUERY_GONE", "USER_ERROR", 14);

    /** Trino's error codes are grouped by type; the gateway's live in the external range, above any connector's. */
    private static final int CODE_BASE = 0x0700_0000;

    private final int httpStatus;
    private final String errorName;
    private final String errorType;
    private final int errorCode;

    GatewayErrorType(int httpStatus, String errorName, String errorType, int offset)
    {
        this.httpStatus = httpStatus;
        this.errorName = errorName;
        this.errorType = errorType;
        this.errorCode = CODE_BASE + offset;
    }

    public int httpStatus()
    {
        return httpStatus;
    }

    public String errorName()
    {
        return errorName;
    }

    public String errorType()
    {
        return errorType;
    }

    public int errorCode()
    {
        return errorCode;
    }
}
