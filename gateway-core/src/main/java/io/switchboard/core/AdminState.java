package io.switchboard.core;

/** What operators decided about a cluster, independent of its health. */
public enum AdminState
{
    /** Takes new queries. */
    ACTIVE,
    /** Takes no new queries; follow-ups of running queries are served until they end. */
    DRAINING,
    /** Takes no new queries; follow-ups of queries already running are still served, so nothing fails. */
    DISABLED;

    public boolean takesNewQueries()
    {
        return this == ACTIVE;
    }
}
