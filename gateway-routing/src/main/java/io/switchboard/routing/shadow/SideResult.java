package io.switchboard.routing.shadow;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.protocol.ResultDigest;

import java.util.Locale;

/**
 * How one side of a comparison ended: the primary query as the client ran it, or its shadow.
 *
 * @param queryId the query's id on its cluster; null when the cluster never named one
 * @param rowsKnown false when the rows were not read (spooled results, or the query did not finish)
 * @param elapsedMillis the query's duration as its cluster reported it, else as the gateway measured it
 */
public record SideResult(
        String cluster,
        String queryId,
        Outcome outcome,
        String errorName,
        String errorMessage,
        boolean rowsKnown,
        long rows,
        long checksum,
        long elapsedMillis)
{
    /** How a query ended. */
    public enum Outcome
    {
        /** Finished: every row was read. */
        FINISHED,
        /** The cluster failed the query; {@code errorName} says why. */
        FAILED,
        /** Cancelled: by the client (primary), or because the client cancelled the primary (shadow). */
        CANCELLED,
        /** The cluster could not be reached or answered something other than the statement protocol. */
        ERROR,
        /** Still running when the comparison ran out of time; a shadow query is then cancelled. */
        TIMEOUT,
        /** The shadow query's result was larger than the limit; it was cancelled. */
        TOO_LARGE;

        /** The metric label and report value. */
        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public SideResult
    {
        requireNonNull(cluster, "cluster is null");
        requireNonNull(outcome, "outcome is null");
    }

    /** The checksum as reports show it, or null when the rows are not known. */
    public String checksumHex()
    {
        return rowsKnown ? ResultDigest.hex(checksum) : null;
    }
}
