package io.switchboard.core.protocol;

/** Turns a URI that a backend handed out into the gateway's public form, which carries the routing token. */
public final class PublicUris
{
    private PublicUris() {}

    /**
     * Keeps the backend URI's path and query, and puts the gateway's public base and the routing token in front.
     *
     * @param publicBase scheme and authority of the gateway, without a trailing slash, such as
     *     {@code http://gateway.example:8080}
     */
    public static String toPublic(String backendUri, String publicBase, String token)
    {
        return publicPrefix(publicBase, token) + targetOf(backendUri);
    }

    /** What {@link #toPublic} puts before every target: the public base, the routed prefix and the routing token. */
    public static String publicPrefix(String publicBase, String token)
    {
        return publicBase + GatewayPaths.ROUTED_PREFIX + token;
    }

    /** The path and query of an absolute or relative URI, {@code /} when it has none. */
    public static String targetOf(String uri)
    {
        int scheme = uri.indexOf("://");
        if (scheme < 0) {
            return uri.startsWith("/") ? uri : "/" + uri;
        }
        int pathStart = uri.indexOf('/', scheme + 3);
        if (pathStart < 0) {
            int queryStart = uri.indexOf('?', scheme + 3);
            return queryStart < 0 ? "/" : "/" + uri.substring(queryStart);
        }
        return uri.substring(pathStart);
    }
}
