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
    /** Polls of queries waiting in the gateway's own queue: {@code /sb/queue/<queryId>/<slug>/<sequence>}. */
    public static final String QUEUE_PREFIX = ROUTED_PREFIX + "queue/";

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

    /** A poll of a query queued at the gateway; the slug is the query's secret, so nobody else can poll or cancel it. */
    public record QueuedPoll(QueryId queryId, String slug, long sequence)
    {
        public QueuedPoll
        {
            requireNonNull(queryId, "queryId is null");
            requireNonNull(slug, "slug is null");
        }
    }

    /** Splits {@code /sb/queue/<queryId>/<slug>/<sequence>}; empty when the target has another shape. */
    public static Optional<QueuedPoll> parseQueued(String target)
    {
        if (!target.startsWith(QUEUE_PREFIX)) {
            return Optional.empty();
        }
        int question = target.indexOf('?');
        String[] parts = (question < 0 ? target : target.substring(0, question)).substring(QUEUE_PREFIX.length()).split("/", -1);
        if (parts.length != 3 || parts[1].isEmpty() || parts[1].length() > 64 || !isDigits(parts[2], 9)) {
            return Optional.empty();
        }
        return QueryId.parse(parts[0]).map(id -> new QueuedPoll(id, parts[1], Long.parseLong(parts[2])));
    }

    public static String queuedTarget(QueryId queryId, String slug, long sequence)
    {
        return QUEUE_PREFIX + queryId.value() + "/" + slug + "/" + sequence;
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
        int length = path.length();
        int segmentStart = 0;
        int parameterStart = -1;
        for (int i = 0; i <= length; i++) {
            char c = i < length ? path.charAt(i) : '/';
            if (c == '\\') {
                return false;
            }
            if (c == ';' && parameterStart < 0) {
                parameterStart = i;
            }
            if (c == '%' && i + 2 < length && isForbiddenEscape(path.charAt(i + 1), path.charAt(i + 2))) {
                return false;
            }
            if (c == '/') {
                int segmentLength = i - segmentStart;
                if (i > 0 && i < length && segmentLength == 0) {
                    // an empty segment: "//"
                    return false;
                }
                // a path parameter does not hide a dot segment: servers such as Jetty read "..;x" as ".."
                if (parameterStart >= 0) {
                    segmentLength = parameterStart - segmentStart;
                    parameterStart = -1;
                }
                if ((segmentLength == 1 && path.charAt(segmentStart) == '.')
                        || (segmentLength == 2 && path.charAt(segmentStart) == '.' && path.charAt(segmentStart + 1) == '.')) {
                    return false;
                }
                segmentStart = i + 1;
            }
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

    /** {@code %2f}, {@code %2e}, {@code %5c} and {@code %00}, in either case: an encoded slash, dot, backslash or NUL. */
    private static boolean isForbiddenEscape(char first, char second)
    {
        char lower = Character.toLowerCase(second);
        return (first == '2' && (lower == 'f' || lower == 'e')) || (first == '5' && lower == 'c') || (first == '0' && second == '0');
    }

    private static boolean isDigits(String text, int maxLength)
    {
        if (text.isEmpty() || text.length() > maxLength) {
            return false;
        }
        for (int i = 0; i < text.length(); i++) {
            if (text.charAt(i) < '0' || text.charAt(i) > '9') {
                return false;
            }
        }
        return true;
    }

    private static String segment(String path, int start)
    {
        int end = path.indexOf('/', start);
        return end < 0 ? path.substring(start) : path.substring(start, end);
    }
}
