package io.switchboard.it;

import static java.util.Objects.requireNonNull;

import java.net.URI;
import java.util.List;

/** A gateway configuration file, written the way an operator would write {@code gateway.yaml}. */
record GatewayConfig(String proxyListen, String adminListen, String healthInterval, String defaultGroup, List<Cluster> clusters)
{
    /** One backend cluster entry of the {@code clusters} list. */
    record Cluster(String id, URI uri, String routingGroup)
    {
        Cluster
        {
            requireNonNull(id, "id is null");
            requireNonNull(uri, "uri is null");
            requireNonNull(routingGroup, "routingGroup is null");
        }
    }

    GatewayConfig
    {
        requireNonNull(proxyListen, "proxyListen is null");
        requireNonNull(adminListen, "adminListen is null");
        requireNonNull(healthInterval, "healthInterval is null");
        requireNonNull(defaultGroup, "defaultGroup is null");
        clusters = List.copyOf(clusters);
    }

    /** Both listeners on port 0 so that parallel or repeated runs never collide; the ready file says where they landed. */
    static GatewayConfig onFreePorts(String defaultGroup, List<Cluster> clusters)
    {
        return new GatewayConfig("127.0.0.1:0", "127.0.0.1:0", "500ms", defaultGroup, clusters);
    }

    /** The shared Trino servers as the {@code adhoc} group, the way most tests see the gateway. */
    static GatewayConfig adhocOver(TrinoServers trino)
    {
        return onFreePorts("adhoc", trino.all().stream()
                .map(server -> new Cluster(server.name(), server.uri(), "adhoc"))
                .toList());
    }

    GatewayConfig withListeners(String proxyListen, String adminListen)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters);
    }

    List<String> clusterIds()
    {
        return clusters.stream().map(Cluster::id).toList();
    }

    String toYaml()
    {
        StringBuilder yaml = new StringBuilder()
                .append("server:\n")
                .append("  listen: ").append(proxyListen).append('\n')
                .append("admin:\n")
                .append("  listen: ").append(adminListen).append('\n')
                .append("health:\n")
                .append("  interval: ").append(healthInterval).append('\n')
                .append("routing:\n")
                .append("  default-group: ").append(defaultGroup).append('\n')
                .append("clusters:\n");
        for (Cluster cluster : clusters) {
            yaml.append("  - id: ").append(cluster.id()).append('\n')
                    .append("    uri: ").append(cluster.uri()).append('\n')
                    .append("    routing-group: ").append(cluster.routingGroup()).append('\n');
        }
        return yaml.toString();
    }
}
