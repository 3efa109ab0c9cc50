package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.net.URI;

/**
 * A backend coordinator as configured or discovered: where it is and which routing group it serves.
 *
 * @param forwardHeaders whether requests to this cluster carry {@code X-Forwarded-*} headers; a default Trino
 *     coordinator refuses them with 406 unless it runs with {@code http-server.process-forwarded=true}
 * @param weight relative share of queries under weighted round robin
 * @param capacity how many queued plus running queries the cluster takes comfortably; load-aware routing compares
 *     clusters by their load relative to it
 * @param shadow a shadow cluster takes no client query of its own: it only receives queries mirrored to it
 */
public record Cluster(ClusterId id, URI uri, RoutingGroup routingGroup, boolean forwardHeaders, int weight, int capacity, LoadProbeKind loadProbe, boolean shadow)
{
    public Cluster
    {
        requireNonNull(id, "id is null");
        requireNonNull(uri, "uri is null");
        requireNonNull(routingGroup, "routingGroup is null");
        requireNonNull(loadProbe, "loadProbe is null");
        if (weight < 1 || capacity < 1) {
            throw new IllegalArgumentException("weight and capacity must be at least 1");
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("cluster uri must be http or https: " + uri);
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("cluster uri has no host: " + uri);
        }
    }

    /** A cluster with weight 1, capacity 100 and Trino's metrics as load probe. */
    public static Cluster of(ClusterId id, URI uri, RoutingGroup routingGroup)
    {
        return new Cluster(id, uri, routingGroup, false, 1, 100, LoadProbeKind.TRINO_METRICS, false);
    }

    public boolean secure()
    {
        return "https".equals(uri.getScheme());
    }

    /** The port to connect to, with the scheme's default when the URI names none. */
    public int port()
    {
        if (uri.getPort() != -1) {
            return uri.getPort();
        }
        return secure() ? 443 : 80;
    }

    /** An endpoint of the coordinator, such as {@code /v1/info}, under the cluster's URI and any path it has. */
    public URI endpoint(String path)
    {
        String base = uri.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base + path);
    }

    /**
     * The header that names the user in the gateway's own calls (probes, cancels): Presto's for clusters probed the
     * Presto way, Trino's otherwise. Never both: a Trino that accepts both families refuses a request carrying both.
     */
    public String userHeader()
    {
        return loadProbe == LoadProbeKind.PRESTO_CLUSTER ? "X-Presto-User" : "X-Trino-User";
    }

    /** The value of the {@code Host} header for requests to this cluster. */
    public String hostHeader()
    {
        return uri.getPort() == -1 ? uri.getHost() : uri.getHost() + ":" + uri.getPort();
    }
}
