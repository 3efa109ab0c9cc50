package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.LoadProbeKind;
import io.switchboard.core.RoutingGroup;

import java.net.URI;

/**
 * One statically configured cluster coordinator.
 *
 * @param weight share of queries under weighted round robin and random
 * @param capacity queued plus running queries the cluster takes comfortably: load-aware routing compares clusters by
 *     load relative to it
 * @param loadProbe where queued and running queries are read: {@code trino-metrics}, {@code trino-jmx},
 *     {@code presto-cluster} or {@code none}
 * @param forwardHeaders send {@code X-Forwarded-For/-Proto/-Host}; only for coordinators started with
 *     {@code http-server.process-forwarded=true}, which otherwise refuse such requests with 406
 * @param shadow the cluster takes no client query of its own, only queries mirrored to it
 */
public record ClusterConfig(String id, URI uri, String routingGroup, Boolean forwardHeaders, Integer weight, Integer capacity, String loadProbe, Boolean shadow)
{
    public ClusterConfig
    {
        weight = weight == null ? 1 : weight;
        capacity = capacity == null ? 100 : capacity;
        loadProbe = loadProbe == null ? "trino-metrics" : loadProbe;
        require(weight >= 1 && weight <= 1000, "weight: must be between 1 and 1000");
        require(capacity >= 1, "capacity: must be at least 1");
        require(LOAD_PROBES.contains(loadProbe), "load-probe: must be one of " + LOAD_PROBES + ", got '" + loadProbe + "'");
        require(id != null, "id: is required");
        require(uri != null, "uri: is required");
        require(routingGroup != null, "routing-group: is required");
        forwardHeaders = forwardHeaders != null && forwardHeaders;
        shadow = shadow != null && shadow;
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

    private static final java.util.List<String> LOAD_PROBES = java.util.List.of("trino-metrics", "trino-jmx", "presto-cluster", "none");

    public Cluster toCluster()
    {
        LoadProbeKind probe = LoadProbeKind.valueOf(loadProbe.toUpperCase(java.util.Locale.ROOT).replace('-', '_'));
        return new Cluster(ClusterId.of(id), uri, RoutingGroup.of(routingGroup), forwardHeaders, weight, capacity, probe, shadow);
    }
}
