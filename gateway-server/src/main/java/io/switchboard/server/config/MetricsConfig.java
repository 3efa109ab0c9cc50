package io.switchboard.server.config;

/**
 * The metrics at {@code GET /metrics} on the admin port.
 *
 * @param userLabels label query outcomes with user and source; switch off where there are too many of either
 * @param requireToken ask scrapers for the admin token too
 */
public record MetricsConfig(Boolean userLabels, Boolean requireToken)
{
    public MetricsConfig
    {
        userLabels = userLabels == null || userLabels;
        requireToken = requireToken != null && requireToken;
    }

    static MetricsConfig defaults()
    {
        return new MetricsConfig(null, null);
    }
}
