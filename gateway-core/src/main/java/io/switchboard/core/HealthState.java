package io.switchboard.core;

/** What the active health check last concluded about a cluster. */
public enum HealthState
{
    /** Not probed yet: not routable, so that a starting gateway never sends queries to a cluster it knows nothing of. */
    UNKNOWN,
    HEALTHY,
    UNHEALTHY;

    public boolean routable()
    {
        return this == HEALTHY;
    }
}
