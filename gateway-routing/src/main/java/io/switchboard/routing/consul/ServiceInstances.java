package io.switchboard.routing.consul;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.LoadProbeKind;
import io.switchboard.core.RoutingGroup;
import org.kiwiproject.consul.model.health.HealthCheck;
import org.kiwiproject.consul.model.health.ServiceHealth;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Turns the instances of a Consul service into clusters. Each instance's {@code ServiceMeta} (or, for a key the meta
 * lacks, a {@code key=value} tag) gives the cluster's settings under the names the YAML {@code clusters} list uses:
 * {@code cluster-id} (default: the service instance's ID), {@code routing-group} (default: the gateway's default
 * group), {@code weight} (default: the instance's {@code Weights.Passing}), {@code capacity}, {@code load-probe},
 * {@code shadow}, {@code forward-headers} and {@code scheme} ({@code http} or {@code https}). A bare tag
 * {@code shadow} or {@code forward-headers} means {@code true}. An instance whose checks are not all passing stays a
 * cluster but is reported failing, so its running queries finish while it takes no new ones.
 */
public final class ServiceInstances
{
    public static final String CLUSTER_ID = "cluster-id";
    public static final String ROUTING_GROUP = "routing-group";
    public static final String WEIGHT = "weight";
    public static final String CAPACITY = "capacity";
    public static final String LOAD_PROBE = "load-probe";
    public static final String SHADOW = "shadow";
    public static final String FORWARD_HEADERS = "forward-headers";
    public static final String SCHEME = "scheme";

    /**
     * @param failing clusters whose Consul checks are not all passing, with the reason
     * @param problems instances that could not be made into a cluster, with the reason, in Consul's order
     */
    public record Result(List<Cluster> clusters, Map<ClusterId, String> failing, List<String> problems)
    {
        public Result
        {
            clusters = List.copyOf(clusters);
            failing = Map.copyOf(failing);
            problems = List.copyOf(problems);
        }
    }

    private ServiceInstances() {}

    public static Result map(List<ServiceHealth> instances, RoutingGroup defaultGroup)
    {
        requireNonNull(instances, "instances is null");
        requireNonNull(defaultGroup, "defaultGroup is null");
        Map<ClusterId, Cluster> clusters = new LinkedHashMap<>();
        Map<ClusterId, String> failing = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (ServiceHealth instance : instances) {
            String where = "instance '" + instance.getService().getId() + "' on node '" + instance.getNode().getNode() + "'";
            Cluster cluster;
            try {
                cluster = cluster(instance, defaultGroup);
            }
            catch (IllegalArgumentException e) {
                problems.add(where + ": " + e.getMessage());
                continue;
            }
            if (clusters.containsKey(cluster.id())) {
                problems.add(where + ": cluster id '" + cluster.id() + "' is taken by another instance");
                continue;
            }
            clusters.put(cluster.id(), cluster);
            checkFailure(instance.getChecks()).ifPresent(reason -> failing.put(cluster.id(), reason));
        }
        List<Cluster> sorted = new ArrayList<>(clusters.values());
        sorted.sort(Comparator.comparing(cluster -> cluster.id().value()));
        return new Result(sorted, failing, problems);
    }

    static Cluster cluster(ServiceHealth instance, RoutingGroup defaultGroup)
    {
        Map<String, String> settings = settings(instance.getService().getMeta(), instance.getService().getTags());
        String idText = settings.getOrDefault(CLUSTER_ID, instance.getService().getId()).trim();
        ClusterId id;
        try {
            id = ClusterId.of(idText);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(CLUSTER_ID + ": " + e.getMessage() + (settings.containsKey(CLUSTER_ID) ? "" : " (set ServiceMeta " + CLUSTER_ID + ")"));
        }
        RoutingGroup group;
        try {
            group = Optional.ofNullable(settings.get(ROUTING_GROUP)).map(String::trim).map(RoutingGroup::of).orElse(defaultGroup);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(ROUTING_GROUP + ": " + e.getMessage());
        }
        int defaultWeight = instance.getService().getWeights().map(weights -> weights.getPassing()).filter(passing -> passing >= 1 && passing <= 1000).orElse(1);
        int weight = number(settings, WEIGHT, defaultWeight, 1000);
        int capacity = number(settings, CAPACITY, 100, Integer.MAX_VALUE);
        LoadProbeKind probe = loadProbe(settings.getOrDefault(LOAD_PROBE, "trino-metrics"));
        boolean shadow = flag(settings, SHADOW);
        boolean forwardHeaders = flag(settings, FORWARD_HEADERS);
        String scheme = settings.getOrDefault(SCHEME, "http").trim().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new IllegalArgumentException(SCHEME + ": must be http or https, got '" + scheme + "'");
        }
        String address = instance.getService().getAddress();
        if (address == null || address.isBlank()) {
            address = instance.getNode().getAddress();
        }
        int port = instance.getService().getPort();
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("the service has no port");
        }
        URI uri;
        try {
            uri = new URI(scheme, null, address.contains(":") && !address.startsWith("[") ? "[" + address + "]" : address, port, null, null, null);
        }
        catch (URISyntaxException e) {
            throw new IllegalArgumentException("address '" + address + "' does not make a URI: " + e.getMessage());
        }
        return new Cluster(id, uri, group, forwardHeaders, weight, capacity, probe, shadow);
    }

    /** Meta first, then {@code key=value} tags; a bare {@code shadow} or {@code forward-headers} tag means true. */
    static Map<String, String> settings(Map<String, String> meta, List<String> tags)
    {
        Map<String, String> settings = new HashMap<>();
        for (String tag : tags) {
            int equals = tag.indexOf('=');
            if (equals > 0) {
                settings.putIfAbsent(tag.substring(0, equals).trim(), tag.substring(equals + 1));
            }
            else if (tag.equals(SHADOW) || tag.equals(FORWARD_HEADERS)) {
                settings.putIfAbsent(tag, "true");
            }
        }
        settings.putAll(meta);
        return settings;
    }

    /** The reason the instance takes no new query, or empty when every check passes. */
    static Optional<String> checkFailure(List<HealthCheck> checks)
    {
        HealthCheck worst = null;
        for (HealthCheck check : checks) {
            if (!"passing".equals(check.getStatus()) && (worst == null || !"critical".equals(worst.getStatus()))) {
                worst = check;
            }
        }
        if (worst == null) {
            return Optional.empty();
        }
        String output = worst.getOutput().map(String::trim).filter(text -> !text.isEmpty()).map(text -> ": " + firstLine(text)).orElse("");
        return Optional.of("Consul check '" + worst.getCheckId() + "' is " + worst.getStatus() + output);
    }

    private static int number(Map<String, String> settings, String key, int defaultValue, int maximum)
    {
        String text = settings.get(key);
        if (text == null) {
            return defaultValue;
        }
        try {
            int value = Integer.parseInt(text.trim());
            if (value >= 1 && value <= maximum) {
                return value;
            }
        }
        catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException(key + ": must be a whole number from 1 to " + maximum + ", got '" + text + "'");
    }

    private static boolean flag(Map<String, String> settings, String key)
    {
        String text = settings.getOrDefault(key, "false").trim().toLowerCase(Locale.ROOT);
        return switch (text) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException(key + ": must be true or false, got '" + text + "'");
        };
    }

    private static LoadProbeKind loadProbe(String text)
    {
        String name = text.trim().toLowerCase(Locale.ROOT);
        return switch (name) {
            case "trino-metrics" -> LoadProbeKind.TRINO_METRICS;
            case "trino-jmx" -> LoadProbeKind.TRINO_JMX;
            case "presto-cluster" -> LoadProbeKind.PRESTO_CLUSTER;
            case "none" -> LoadProbeKind.NONE;
            default -> throw new IllegalArgumentException(LOAD_PROBE + ": must be trino-metrics, trino-jmx, presto-cluster or none, got '" + text + "'");
        };
    }

    private static String firstLine(String text)
    {
        int newline = text.indexOf('\n');
        String line = newline < 0 ? text : text.substring(0, newline);
        return line.length() > 200 ? line.substring(0, 200) + "..." : line;
    }
}
