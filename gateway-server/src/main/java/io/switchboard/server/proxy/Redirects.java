package io.switchboard.server.proxy;

import io.switchboard.core.Cluster;
import io.switchboard.core.protocol.GatewayPaths;
import io.switchboard.core.protocol.PublicUris;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/**
 * Keeps a cluster's redirects on the gateway. A coordinator redirects to itself by its own address (the web UI sends
 * {@code /ui} to {@code http://10.1.2.3:8080/ui/}, a login to its form), which a client may not reach, and which would
 * take it past the gateway for good. Such a {@code Location} gets the gateway's public address; on a path the gateway
 * hands out with a routing token (statement, spooling, query and UI paths), it gets the token too, so that the next
 * request reaches the same cluster. A redirect elsewhere stays as the cluster wrote it.
 */
final class Redirects
{
    private Redirects() {}

    /**
     * @param publicBase scheme and authority of the gateway, without a trailing slash
     * @param token the routing token of {@code cluster}
     * @return the {@code Location} to send the client, or empty to send the cluster's unchanged
     */
    static Optional<String> toPublic(String location, Cluster cluster, String publicBase, String token)
    {
        String target;
        boolean absolute;
        if (location.startsWith("/") && !location.startsWith("//")) {
            target = location;
            absolute = false;
        }
        else if (pointsAt(location.startsWith("//") ? cluster.uri().getScheme() + ":" + location : location, cluster)) {
            // absolute, or scheme-relative (//host:port/path)
            target = PublicUris.targetOf(location.startsWith("//") ? "x:" + location : location);
            absolute = true;
        }
        else {
            return Optional.empty();
        }
        int question = target.indexOf('?');
        String path = question < 0 ? target : target.substring(0, question);
        if (GatewayPaths.isAllowedRoutedPath(path)) {
            return Optional.of(publicBase + GatewayPaths.routedTarget(token, target));
        }
        // a path without a token: the gateway routes it as it would the client's own request
        return absolute ? Optional.of(publicBase + target) : Optional.empty();
    }

    /** Whether an absolute URI names the cluster's scheme, host and port. */
    private static boolean pointsAt(String location, Cluster cluster)
    {
        URI uri;
        try {
            uri = new URI(location);
        }
        catch (URISyntaxException e) {
            return false;
        }
        if (uri.getScheme() == null || uri.getHost() == null) {
            return false;
        }
        String scheme = uri.getScheme().toLowerCase(Locale.ROOT);
        int port = uri.getPort() != -1 ? uri.getPort() : scheme.equals("https") ? 443 : scheme.equals("http") ? 80 : -1;
        return scheme.equals(cluster.uri().getScheme().toLowerCase(Locale.ROOT))
                && uri.getHost().equalsIgnoreCase(cluster.uri().getHost())
                && port == cluster.port();
    }
}
