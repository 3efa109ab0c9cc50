package io.switchboard.core.protocol;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.QueryId;

import java.util.Optional;

/**
 * The shapes of request paths the gateway understands: token-routed follow-ups, statement submission and requests
 * that name only a query id.
 */
public final class GatewayPaths
{
    /** Follow-up URIs handed out by the gateway start with this prefix, then the routing token, then the backend path. */
    public static final String ROUTED_PREFIX = "/sb/";
    public static final String STATEMENT = "/v1/statement";

    private GatewayPaths() {}

    /** A request target split into its routing token and the path (with query string) to send to the cluster. */
    public record Routed(String token, String backendTarget)
    {
        public Routed
        {
            requireNonNull(token, "token is null");
            requireNonNull(backendTarget, "backendTarget is null");
        }
    }

    /**
     * Splits {@code /sb/<token>/<rest>} into token and {@code /<rest>}; empty when the target has another shape.
     */
    public static Optional<Routed> parseRouted(String target)
    {
        if (!target.startsWith(ROUTED_PREFIX)) {
            return Optional.empty();
        }
        int tokenEnd = target.indexOf('/', ROUTED_PREFIX.length());
        if (tokenEnd <= ROUTED_PREFIX.length()) {
            return Optional.empty();
        }
        return Optional.of(new Routed(target.substring(ROUTED_PREFIX.length(), tokenEnd), target.substring(tokenEnd)));
    }

    /** The public form of a backend target: {@code /sb/<token><target>}. */
    public static String routedTarget(String token, String backendTarget)
    {
        return ROUTED_PREFIX + token + backendTarget;
    }

    public static boolean isSubmit(String method, String path)
    {
        return "POST".equals(method) && (path.equals(STATEMENT) || path.equals(STATEMENT + "/"));
    }

    /** Whether a backend path belongs to the statement protocol, whose JSON answers carry URIs to rewrite. */
    public static boolean isStatementPath(String path)
    {
        return path.equals(STATEMENT) || path.startsWith(STATEMENT + "/");
    }

    /**
     * Whether a token-routed backend path may be forwarded. Tokens only open the paths that the gateway itself hands
     * out, and never a path with dot segments or encoded separators that a backend could resolve elsewhere.
     */
    public static boolean isAllowedRoutedPath(String path)
    {
        if (!(isStatementPath(path) || path.startsWith("/v1/spooled/") || path.startsWith("/v1/query/") || path.startsWith("/ui/"))) {
            return false;
        }
        return isClean(path);
    }

    /** No dot segments (not even with a path parameter), no empty segments, no encoded slash, dot or backslash. */
    public static boolean isClean(String path)
    {
        if (path.contains("//") || path.contains("\\")) {
            return false;
        }
        String lower = path.toLowerCase(java.util.Locale.ROOT);
        if (lower.contains("%2f") || lower.contains("%2e") || lower.contains("%5c") || lower.contains("%00")) {
            return false;
        }
        int start = 0;
        while (start <= path.length()) {
            int end = path.indexOf('/', start);
            if (end < 0) {
                end = path.length();
            }
            String segment = path.substring(start, end);
            // a path parameter does not hide a dot segment: servers such as Jetty read "..;x" as ".."
            int parameters = segment.indexOf(';');
            if (parameters >= 0) {
                segment = segment.substring(0, parameters);
            }
            if (segment.equals(".") || segment.equals("..")) {
                return false;
            }
            start = end + 1;
        }
        return true;
    }

    /**
     * The query id named by a request that carries no routing token: {@code /v1/query/<id>},
     * {@code /v1/statement/<kind>/<id>/...}, {@code /ui/api/query/<id>}, {@code /ui/query.html?<id>}.
     */
    public static Optional<QueryId> queryIdOf(String path, String query)
    {
        if (path.startsWith("/v1/query/")) {
            return QueryId.parse(segment(path, "/v1/query/".length()));
        }
        if (path.startsWith("/ui/api/query/")) {
            return QueryId.parse(segment(path, "/ui/api/query/".length()));
        }
        if (path.startsWith(STATEMENT + "/")) {
            // /v1/statement/{queued|executing}/{queryId}/...
            int kindEnd = path.indexOf('/', STATEMENT.length() + 1);
            if (kindEnd < 0) {
                return Optional.empty();
            }
            return QueryId.parse(segment(path, kindEnd + 1));
        }
        if (path.equals("/ui/query.html") && query != null) {
            int equals = query.indexOf('=');
            String id = equals >= 0 && query.startsWith("id=") ? query.substring(equals + 1) : query;
            int ampersand = id.indexOf('&');
            return QueryId.parse(ampersand >= 0 ? id.substring(0, ampersand) : id);
        }
        return Optional.empty();
    }

    private static String segment(String path, int start)
    {
        int end = path.indexOf('/', start);
        return end < 0 ? path.substring(start) : path.substring(start, end);
    }
}
