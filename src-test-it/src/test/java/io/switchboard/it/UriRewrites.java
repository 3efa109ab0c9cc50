package io.switchboard.it;

import java.net.URI;

/** Edits of protocol URIs that a test makes to send a follow-up elsewhere or to tamper with its routing token. */
final class UriRewrites
{
    private UriRewrites() {}

    /** The same path and query on another server, as a load balancer in front of several gateways would send it. */
    static URI withAuthorityOf(URI uri, URI server)
    {
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return URI.create(server.getScheme() + "://" + server.getRawAuthority() + uri.getRawPath() + query);
    }

    /** The routing token is the path segment after the first one, as in {@code /sb/TOKEN/v1/statement/...}. */
    static String routingToken(URI uri)
    {
        String[] segments = uri.getRawPath().split("/", -1);
        if (segments.length < 4) {
            throw new AssertionError("no routing token segment in " + uri);
        }
        return segments[2];
    }

    static URI withRoutingToken(URI uri, String token)
    {
        String[] segments = uri.getRawPath().split("/", -1);
        segments[2] = token;
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        return URI.create(uri.getScheme() + "://" + uri.getRawAuthority() + String.join("/", segments) + query);
    }

    /**
     * The token with its middle characters changed to others of the URL-safe alphabet: well-formed, so only a gateway
     * that checks what the token says (or signs it) can tell it from a real one.
     */
    static String forge(String token)
    {
        StringBuilder forged = new StringBuilder(token);
        int from = token.length() / 3;
        int to = Math.max(from + 1, 2 * token.length() / 3);
        for (int i = from; i < to && i < token.length(); i++) {
            char c = token.charAt(i);
            forged.setCharAt(i, c == 'Q' ? 'R' : 'Q');
        }
        return forged.toString();
    }
}
