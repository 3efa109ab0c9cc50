package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.routing.QueryHistory;

import java.nio.file.Path;

/**
 * The operators' port: admin API and metrics.
 *
 * @param token the bearer token every admin call but health and metrics needs; the environment variable
 *     {@code SWITCHBOARD_ADMIN_TOKEN} overrides it. Without one, the admin API is read-only
 * @param stateFile where cluster admin states are kept across restarts
 * @param queryHistory how many recent queries the API can list
 */
public record AdminConfig(HostAndPort listen, String token, Path stateFile, Integer queryHistory)
{
    public AdminConfig
    {
        listen = listen == null ? HostAndPort.parse("127.0.0.1:8081") : listen;
        stateFile = stateFile == null ? Path.of("switchboard-state.json") : stateFile;
        queryHistory = queryHistory == null ? 10_000 : queryHistory;
        require(token == null || token.length() >= 16, "token: must be at least 16 characters");
        require(queryHistory >= 1, "query-history: must be at least 1");
        require(queryHistory <= QueryHistory.MAX_ENTRIES, "query-history: must be at most " + QueryHistory.MAX_ENTRIES);
    }

    /** Keeps the token out of logs and error messages. */
    @Override
    public String toString()
    {
        return "AdminConfig[listen=" + listen + ", token=" + (token == null ? "none" : "***") + ", stateFile=" + stateFile + ", queryHistory=" + queryHistory + "]";
    }

    static AdminConfig defaults()
    {
        return new AdminConfig(null, null, null, null);
    }
}
