package io.switchboard.core.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.net.URLDecoder;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the prepared statements a client sends in {@code X-Trino-Prepared-Statement} (or Presto's): comma-separated
 * {@code name=sql} pairs, each side URL-encoded, as Trino's client writes them.
 */
public final class PreparedStatementHeader
{
    private PreparedStatementHeader() {}

    /** The statements by name; a malformed pair is skipped, as it names nothing a statement could execute. */
    public static Map<String, String> parse(List<String> headerValues)
    {
        Map<String, String> statements = new LinkedHashMap<>();
        for (String value : headerValues) {
            for (String pair : value.split(",")) {
                int equals = pair.indexOf('=');
                if (equals < 0 || pair.substring(0, equals).isBlank()) {
                    continue;
                }
                try {
                    statements.put(URLDecoder.decode(pair.substring(0, equals).trim(), UTF_8), URLDecoder.decode(pair.substring(equals + 1).trim(), UTF_8));
                }
                catch (IllegalArgumentException e) {
                    // a broken escape: the pair cannot be what the client prepared
                }
            }
        }
        return statements;
    }

    /** The statement prepared under {@code name}: exactly, else ignoring case, as unquoted identifiers do. */
    public static Optional<String> find(Map<String, String> statements, String name)
    {
        String exact = statements.get(name);
        if (exact != null) {
            return Optional.of(exact);
        }
        return statements.entrySet().stream()
                .filter(entry -> entry.getKey().equalsIgnoreCase(name))
                .map(Map.Entry::getValue)
                .findFirst();
    }
}
