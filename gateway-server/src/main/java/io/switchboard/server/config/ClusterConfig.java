package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.RoutingGroup;

import java.net.URI;

/**
 * One statically configured cluster coordinator.
 *
 * @param forwardHeaders send {@code X-Forwarded-For/-Proto/-Host}; only for coordinators started with
 *     {@code http-server.process-forwarded=true}, which otherwise refuse such requests with 406
 */
public record ClusterConfig(String id, URI uri, String routingGroup, Boolean forwardHeaders)
{
    public ClusterConfig
    {
        require(id != null, "id: is required");
        require(uri != null, "uri: is required");
        require(routingGroup != null, "routing-group: is required");
        forwardHeaders = forwardHeaders != null && forwardHeaders;
        try {
            ClusterId.of(id);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("id: " + e.getMessage());
        }
        try {
            RoutingGroup.of(routingGroup);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("routing-group: " + e.getMessage());
        }
        require("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()), "uri: must be an http or https URI, got '" + uri + "'");
        require(uri.getHost() != null, "uri: has no host: '" + uri + "'");
        require(uri.getRawQuery() == null, "uri: must not have a query: '" + uri + "'");
    }

    public Cluster toCluster()
    {
        return new Cluster(ClusterId.of(id), uri, RoutingGroup.of(routingGroup), forwardHeaders);
    }
}
