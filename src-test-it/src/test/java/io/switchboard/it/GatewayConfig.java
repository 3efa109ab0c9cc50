package io.switchboard.it;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/** A gateway configuration file, written the way an operator would write {@code gateway.yaml}. */
record GatewayConfig(
        String proxyListen,
        String adminListen,
        String healthInterval,
        String defaultGroup,
        List<Cluster> clusters,
        Optional<String> adminToken,
        Optional<Path> stateFile,
        List<Rule> rules,
        Optional<String> tokenSecret,
        Optional<ServerTls> serverTls,
        Map<String, String> groupPolicies,
        String routingExtras,
        Shadow shadow,
        Optional<Consul> consul)
{
    /** PEM files that make the client port speak HTTPS. */
    record ServerTls(Path certificate, Path key)
    {
        ServerTls
        {
            requireNonNull(certificate, "certificate is null");
            requireNonNull(key, "key is null");
        }
    }

    /**
     * One backend cluster entry of the {@code clusters} list; without a capacity the gateway's default applies. A
     * shadow cluster takes no client query, only mirrored ones.
     */
    record Cluster(String id, URI uri, String routingGroup, OptionalInt capacity, boolean shadow)
    {
        Cluster
        {
            requireNonNull(id, "id is null");
            requireNonNull(uri, "uri is null");
            requireNonNull(routingGroup, "routingGroup is null");
            requireNonNull(capacity, "capacity is null");
        }

        Cluster(String id, URI uri, String routingGroup)
        {
            this(id, uri, routingGroup, OptionalInt.empty(), false);
        }

        Cluster withCapacity(int queries)
        {
            return new Cluster(id, uri, routingGroup, OptionalInt.of(queries), shadow);
        }

        Cluster asShadow()
        {
            return new Cluster(id, uri, routingGroup, capacity, true);
        }
    }

    /** {@code routing.groups.<group>.shadow}: the group mirrors this share of its read-only statements to the cluster. */
    record GroupShadow(String group, String cluster, int samplePercent)
    {
        GroupShadow
        {
            requireNonNull(group, "group is null");
            requireNonNull(cluster, "cluster is null");
        }
    }

    /** Shadow mirroring: which groups mirror where, and {@code shadow.max-concurrent-queries}. */
    record Shadow(List<GroupShadow> groups, int maxConcurrentQueries)
    {
        static final Shadow NONE = new Shadow(List.of(), 4);

        Shadow
        {
            groups = List.copyOf(groups);
        }
    }

    /**
     * One entry of {@code routing.rules}: the conditions of {@code match} (such as {@code source} to
     * {@code regex:airflow.*}) send a query to {@code group}.
     */
    record Rule(String name, Map<String, String> match, String group)
    {
        Rule
        {
            requireNonNull(name, "name is null");
            match = Collections.unmodifiableMap(new LinkedHashMap<>(match));
            requireNonNull(group, "group is null");
        }
    }

    /**
     * Clusters from Consul ({@code discovery.source: consul}) instead of the {@code clusters} list: the gateway's
     * {@code clusters} are then the ones the test announces in Consul, which the gateway is expected to find.
     */
    record Consul(URI address, String service, String stateKeyPrefix, String gatewayService)
    {
        Consul
        {
            requireNonNull(address, "address is null");
            requireNonNull(service, "service is null");
            requireNonNull(stateKeyPrefix, "stateKeyPrefix is null");
            requireNonNull(gatewayService, "gatewayService is null");
        }
    }

    GatewayConfig
    {
        requireNonNull(proxyListen, "proxyListen is null");
        requireNonNull(adminListen, "adminListen is null");
        requireNonNull(healthInterval, "healthInterval is null");
        requireNonNull(defaultGroup, "defaultGroup is null");
        clusters = List.copyOf(clusters);
        requireNonNull(adminToken, "adminToken is null");
        requireNonNull(stateFile, "stateFile is null");
        rules = List.copyOf(rules);
        requireNonNull(tokenSecret, "tokenSecret is null");
        requireNonNull(serverTls, "serverTls is null");
        groupPolicies = Collections.unmodifiableMap(new LinkedHashMap<>(groupPolicies));
        requireNonNull(routingExtras, "routingExtras is null");
        requireNonNull(shadow, "shadow is null");
        requireNonNull(consul, "consul is null");
    }

    GatewayConfig(String proxyListen, String adminListen, String healthInterval, String defaultGroup, List<Cluster> clusters)
    {
        this(proxyListen, adminListen, healthInterval, defaultGroup, clusters, Optional.empty(), Optional.empty(), List.of(), Optional.empty(), Optional.empty(), Map.of(), "", Shadow.NONE, Optional.empty());
    }

    /** The admin token of every test gateway unless a test sets its own: the admin API is closed without one. */
    static final String DEFAULT_ADMIN_TOKEN = "switchboard-it-admin-token";

    /** Both listeners on port 0 so that parallel or repeated runs never collide; the ready file says where they landed. */
    static GatewayConfig onFreePorts(String defaultGroup, List<Cluster> clusters)
    {
        return new GatewayConfig("127.0.0.1:0", "127.0.0.1:0", "500ms", defaultGroup, clusters).withAdminToken(DEFAULT_ADMIN_TOKEN);
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
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, rules, tokenSecret, serverTls, groupPolicies, routingExtras, shadow, consul);
    }

    /** With a token the admin API accepts changes, and refuses every call but health without it. */
    GatewayConfig withAdminToken(String token)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, Optional.of(token), stateFile, rules, tokenSecret, serverTls, groupPolicies, routingExtras, shadow, consul);
    }

    GatewayConfig withStateFile(Path file)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, Optional.of(file), rules, tokenSecret, serverTls, groupPolicies, routingExtras, shadow, consul);
    }

    GatewayConfig withRules(List<Rule> newRules)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, newRules, tokenSecret, serverTls, groupPolicies, routingExtras, shadow, consul);
    }

    /** The key of routing tokens: a restarted gateway with the same one routes the follow-ups its predecessor handed out. */
    GatewayConfig withTokenSecret(String secret)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, rules, Optional.of(secret), serverTls, groupPolicies, routingExtras, shadow, consul);
    }

    GatewayConfig withServerTls(Path certificate, Path key)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, rules, tokenSecret,
                Optional.of(new ServerTls(certificate, key)), groupPolicies, routingExtras, shadow, consul);
    }

    /** More of the {@code routing} section, as YAML indented under it, such as {@code queue:} and {@code limits:}. */
    GatewayConfig withRoutingYaml(String yaml)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, rules, tokenSecret, serverTls, groupPolicies, yaml, shadow, consul);
    }

    GatewayConfig withShadow(Shadow newShadow)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, rules, tokenSecret, serverTls, groupPolicies,
                routingExtras, newShadow, consul);
    }

    /** The clusters come from Consul, where the test announces them. */
    GatewayConfig withConsul(Consul newConsul)
    {
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, rules, tokenSecret, serverTls, groupPolicies,
                routingExtras, shadow, Optional.of(newConsul));
    }

    /** {@code routing.groups.<group>.policy}, such as {@code weighted-round-robin}. */
    GatewayConfig withGroupPolicy(String group, String policy)
    {
        Map<String, String> policies = new LinkedHashMap<>(groupPolicies);
        policies.put(group, policy);
        return new GatewayConfig(proxyListen, adminListen, healthInterval, defaultGroup, clusters, adminToken, stateFile, rules, tokenSecret, serverTls, policies, routingExtras, shadow, consul);
    }

    List<String> clusterIds()
    {
        return clusters.stream().map(Cluster::id).toList();
    }

    String toYaml()
    {
        StringBuilder yaml = new StringBuilder()
                .append("server:\n")
                .append("  listen: ").append(proxyListen).append('\n');
        serverTls.ifPresent(tls -> yaml.append("  tls: {certificate: ").append(quoted(tls.certificate().toString()))
                .append(", key: ").append(quoted(tls.key().toString())).append("}\n"));
        yaml.append("admin:\n")
                .append("  listen: ").append(adminListen).append('\n');
        adminToken.ifPresent(token -> yaml.append("  token: ").append(quoted(token)).append('\n'));
        stateFile.ifPresent(file -> yaml.append("  state-file: ").append(quoted(file.toString())).append('\n'));
        yaml.append("health:\n")
                .append("  interval: ").append(healthInterval).append('\n')
                .append("routing:\n")
                .append("  default-group: ").append(defaultGroup).append('\n');
        tokenSecret.ifPresent(secret -> yaml.append("  token-secret: ").append(quoted(secret)).append('\n'));
        Map<String, List<String>> groups = new LinkedHashMap<>();
        groupPolicies.forEach((group, policy) -> groups.computeIfAbsent(group, ignored -> new java.util.ArrayList<>()).add("policy: " + policy));
        for (GroupShadow group : shadow.groups()) {
            groups.computeIfAbsent(group.group(), ignored -> new java.util.ArrayList<>())
                    .add("shadow: {cluster: " + group.cluster() + ", sample-percent: " + group.samplePercent() + "}");
        }
        if (!groups.isEmpty()) {
            yaml.append("  groups:\n");
            groups.forEach((group, settings) -> yaml.append("    ").append(group).append(": {").append(String.join(", ", settings)).append("}\n"));
        }
        if (!rules.isEmpty()) {
            yaml.append("  rules:\n");
            for (Rule rule : rules) {
                yaml.append("    - name: ").append(quoted(rule.name())).append('\n')
                        .append("      match:\n");
                rule.match().forEach((key, value) -> yaml.append("        ").append(key).append(": ").append(quoted(value)).append('\n'));
                yaml.append("      group: ").append(rule.group()).append('\n');
            }
        }
        routingExtras.lines().forEach(line -> yaml.append("  ").append(line).append('\n'));
        if (!shadow.groups().isEmpty()) {
            yaml.append("shadow:\n")
                    .append("  max-concurrent-queries: ").append(shadow.maxConcurrentQueries()).append('\n');
        }
        if (consul.isPresent()) {
            yaml.append("discovery:\n")
                    .append("  source: consul\n")
                    .append("  consul:\n")
                    .append("    address: ").append(quoted(consul.get().address().toString())).append('\n')
                    .append("    service: ").append(quoted(consul.get().service())).append('\n')
                    .append("    max-wait: 5s\n")
                    .append("    retry-min: 200ms\n")
                    .append("    retry-max: 2s\n")
                    .append("    state-key-prefix: ").append(quoted(consul.get().stateKeyPrefix())).append('\n')
                    .append("    register: {service: ").append(quoted(consul.get().gatewayService())).append(", check-interval: 1s}\n");
            return yaml.toString();
        }
        yaml.append("clusters:\n");
        for (Cluster cluster : clusters) {
            yaml.append("  - id: ").append(cluster.id()).append('\n')
                    .append("    uri: ").append(cluster.uri()).append('\n')
                    .append("    routing-group: ").append(cluster.routingGroup()).append('\n');
            cluster.capacity().ifPresent(capacity -> yaml.append("    capacity: ").append(capacity).append('\n'));
            if (cluster.shadow()) {
                yaml.append("    shadow: true\n");
            }
        }
        return yaml.toString();
    }

    /** A JSON string is a valid double-quoted YAML scalar: safe for regular expressions, colons and paths. */
    private static String quoted(String value)
    {
        try {
            return TrinoProtocol.JSON.writeValueAsString(value);
        }
        catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
