package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.core.Cluster;
import io.switchboard.core.RoutingGroup;

import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The whole gateway configuration, as read from {@code gateway.yaml}; every section has defaults. */
public record GatewayConfig(
        ServerConfig server,
        AdminConfig admin,
        HealthConfig health,
        RoutingConfig routing,
        BackendConfig backend,
        OutlierConfig outlier,
        MetricsConfig metrics,
        List<ClusterConfig> clusters,
        ShadowConfig shadow,
        DiscoveryConfig discovery)
{
    public GatewayConfig
    {
        server = server == null ? ServerConfig.defaults() : server;
        admin = admin == null ? AdminConfig.defaults() : admin;
        health = health == null ? HealthConfig.defaults() : health;
        routing = routing == null ? RoutingConfig.defaults() : routing;
        backend = backend == null ? BackendConfig.defaults() : backend;
        outlier = outlier == null ? OutlierConfig.defaults() : outlier;
        metrics = metrics == null ? MetricsConfig.defaults() : metrics;
        shadow = shadow == null ? ShadowConfig.defaults() : shadow;
        discovery = discovery == null ? DiscoveryConfig.defaults() : discovery;
        if (discovery.fromConsul()) {
            require(clusters == null || clusters.isEmpty(), "clusters: must be empty with discovery.source: consul, where the clusters are the instances of Consul service '"
                    + discovery.consul().service() + "'");
            require(routing.defaultGroup() != null, "routing.default-group: is required with discovery.source: consul, where no cluster is known at start");
        }
        else {
            require(clusters != null && !clusters.isEmpty(), "clusters: at least one cluster is required, unless they come from Consul (discovery.source: consul)");
        }
        clusters = clusters == null ? List.of() : List.copyOf(clusters);
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < clusters.size(); i++) {
            require(clusters.get(i) != null, "clusters[" + i + "]: is empty");
            require(ids.add(clusters.get(i).id()), "clusters[" + i + "].id: duplicate cluster id '" + clusters.get(i).id() + "'");
        }
        Set<String> served = new HashSet<>();
        clusters.forEach(cluster -> served.add(cluster.routingGroup()));
        // with discovery, groups appear as clusters register: a group nobody serves yet fails its queries by name
        boolean checkServed = !discovery.fromConsul();
        if (routing.defaultGroup() != null) {
            try {
                RoutingGroup.of(routing.defaultGroup());
            }
            catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("routing.default-group: " + e.getMessage());
            }
            require(!checkServed || served.contains(routing.defaultGroup()), "routing.default-group: no cluster serves routing group '" + routing.defaultGroup() + "'");
        }
        for (int i = 0; i < routing.rules().size(); i++) {
            String group = routing.rules().get(i).group();
            require(!checkServed || served.contains(group), "routing.rules[" + i + "].group: no cluster serves routing group '" + group + "'");
        }
        for (Map.Entry<String, GroupConfig> group : routing.groups().entrySet()) {
            require(!checkServed || served.contains(group.getKey()), "routing.groups." + group.getKey() + ": no cluster serves this routing group");
            String fallback = group.getValue().fallback();
            require(fallback == null || !checkServed || served.contains(fallback), "routing.groups." + group.getKey() + ".fallback: no cluster serves routing group '" + fallback + "'");
            require(fallback == null || !fallback.equals(group.getKey()), "routing.groups." + group.getKey() + ".fallback: a group cannot fall back to itself");
            GroupShadowConfig mirror = group.getValue().shadow();
            if (mirror != null) {
                String field = "routing.groups." + group.getKey() + ".shadow.cluster: ";
                ClusterConfig target = clusters.stream().filter(cluster -> cluster.id().equals(mirror.cluster())).findFirst().orElse(null);
                require(target != null, field + "no cluster '" + mirror.cluster() + "'");
                require(target.shadow(), field + "cluster '" + mirror.cluster() + "' is not marked shadow: true, so it takes client queries of its own");
            }
        }
    }

    /** The group of queries that nothing places elsewhere. */
    public RoutingGroup defaultGroup()
    {
        return RoutingGroup.of(routing.defaultGroup() != null ? routing.defaultGroup() : clusters.get(0).routingGroup());
    }

    public List<Cluster> clusterList()
    {
        return clusters.stream().map(ClusterConfig::toCluster).toList();
    }
}
