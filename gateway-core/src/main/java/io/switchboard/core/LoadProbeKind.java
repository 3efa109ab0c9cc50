package io.switchboard.core;

/** Where a cluster's queued and running query counts are read from. */
public enum LoadProbeKind
{
    /** Trino's OpenMetrics endpoint {@code /metrics} ({@code trino_execution_name_QueryManager_*}). */
    TRINO_METRICS,
    /** Trino's JMX REST view of {@code trino.execution:name=QueryManager}. */
    TRINO_JMX,
    /** Presto's {@code /v1/cluster}. */
    PRESTO_CLUSTER,
    /** No load probe: only the gateway's own count of queries is used. */
    NONE
}
