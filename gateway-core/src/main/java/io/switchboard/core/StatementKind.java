package io.switchboard.core;

import java.util.Locale;
import java.util.Optional;
import java.util.function.Function;

/**
 * Whether a statement only reads. Routing rules and shadow mirroring use it; it looks at the statement's first
 * keyword, after comments and parentheses, as Trino's grammar starts each statement kind with its own keyword.
 * {@link #readOnlyStatement} tells the read-only kinds apart.
 */
public enum StatementKind
{
    /** {@code SELECT}, {@code WITH ...}, {@code VALUES}, {@code TABLE}, {@code SHOW}, {@code DESCRIBE}, {@code EXPLAIN} (not {@code ANALYZE} of a write). */
    READ_ONLY,
    /** Everything else: DDL, {@code INSERT}, {@code DELETE}, {@code CALL}, {@code SET SESSION}, transactions, ... */
    OTHER;

    private static final int MAX_SCAN = 64 * 1024;

    public static StatementKind of(CharSequence sql)
    {
        return readOnlyStatement(sql).isPresent() ? READ_ONLY : OTHER;
    }

    /** Which kind of read-only statement this is, by its first keyword; empty for every statement that may write. */
    public static Optional<ReadOnlyStatement> readOnlyStatement(CharSequence sql)
    {
        int position = 0;
        Optional<ReadOnlyStatement> explained = Optional.empty();
        while (true) {
            position = skipInsignificant(sql, position);
            String keyword = keywordAt(sql, position);
            if (keyword.isEmpty()) {
                return Optional.empty();
            }
            switch (keyword) {
                case "SELECT", "WITH", "VALUES", "TABLE", "SHOW", "DESCRIBE", "DESC":
                    return explained.or(() -> Optional.of(keyword.equals("DESC") ? ReadOnlyStatement.DESCRIBE : ReadOnlyStatement.valueOf(keyword)));
                case "EXPLAIN":
                    position += keyword.length();
                    int next = skipInsignificant(sql, position);
                    if (!keywordAt(sql, next).equals("ANALYZE")) {
                        return Optional.of(ReadOnlyStatement.EXPLAIN);
                    }
                    explained = Optional.of(ReadOnlyStatement.EXPLAIN);
                    // EXPLAIN ANALYZE runs the statement: it reads only if the statement does
                    position = next + "ANALYZE".length();
                    int afterAnalyze = skipInsignificant(sql, position);
                    if (keywordAt(sql, afterAnalyze).equals("VERBOSE")) {
                        position = afterAnalyze + "VERBOSE".length();
                    }
                    continue;
                default:
                    return Optional.empty();
            }
        }
    }

    /**
     * Like {@link #readOnlyStatement(CharSequence)}, and {@code EXECUTE name} or {@code EXECUTE IMMEDIATE '...'} is
     * judged by the statement it runs.
     *
     * @param prepared the text of a prepared statement by its name, as the client's prepared-statement header holds it
     */
    public static Optional<ReadOnlyStatement> readOnlyStatement(CharSequence sql, Function<String, Optional<String>> prepared)
    {
        int position = skipInsignificant(sql, 0);
        if (!keywordAt(sql, position).equals("EXECUTE")) {
            return readOnlyStatement(sql);
        }
        position = skipInsignificant(sql, position + "EXECUTE".length());
        if (keywordAt(sql, position).equals("IMMEDIATE")) {
            position = skipInsignificant(sql, position + "IMMEDIATE".length());
            return stringLiteralAt(sql, position).flatMap(StatementKind::readOnlyStatement);
        }
        return identifierAt(sql, position).flatMap(prepared).flatMap(StatementKind::readOnlyStatement);
    }

    /** A SQL string literal ({@code 'it''s'}), unescaped; empty when none starts here or it is unterminated. */
    private static Optional<String> stringLiteralAt(CharSequence sql, int start)
    {
        if (start >= sql.length() || sql.charAt(start) != '\'') {
            return Optional.empty();
        }
        StringBuilder value = new StringBuilder();
        for (int i = start + 1; i < sql.length(); i++) {
            char c = sql.charAt(i);
            if (c == '\'') {
                if (i + 1 < sql.length() && sql.charAt(i + 1) == '\'') {
                    value.append('\'');
                    i++;
                    continue;
                }
                return Optional.of(value.toString());
            }
            value.append(c);
        }
        return Optional.empty();
    }

    /** A plain or double-quoted identifier, as written. */
    private static Optional<String> identifierAt(CharSequence sql, int start)
    {
        if (start < sql.length() && sql.charAt(start) == '"') {
            int end = start + 1;
            while (end < sql.length() && sql.charAt(end) != '"') {
                end++;
            }
            return end < sql.length() ? Optional.of(sql.subSequence(start + 1, end).toString()) : Optional.empty();
        }
        int end = start;
        while (end < sql.length() && (Character.isLetterOrDigit(sql.charAt(end)) || sql.charAt(end) == '_')) {
            end++;
        }
        return end > start ? Optional.of(sql.subSequence(start, end).toString()) : Optional.empty();
    }

    private static int skipInsignificant(CharSequence sql, int start)
    {
        int position = start;
        int limit = Math.min(sql.length(), MAX_SCAN);
        while (position < limit) {
            char c = sql.charAt(position);
            if (Character.isWhitespace(c) || c == '(') {
                position++;
            }
            else if (c == '-' && position + 1 < limit && sql.charAt(position + 1) == '-') {
                while (position < limit && sql.charAt(position) != '\n') {
                    position++;
                }
            }
            else if (c == '/' && position + 1 < limit && sql.charAt(position + 1) == '*') {
                int end = indexOf(sql, "*/", position + 2, limit);
                position = end < 0 ? limit : end + 2;
            }
            else {
                return position;
            }
        }
        return position;
    }

    private static String keywordAt(CharSequence sql, int start)
    {
        int end = start;
        while (end < sql.length() && end - start < 16 && Character.isLetter(sql.charAt(end))) {
            end++;
        }
        return sql.subSequence(start, end).toString().toUpperCase(Locale.ROOT);
    }

    private static int indexOf(CharSequence text, String needle, int from, int limit)
    {
        for (int i = from; i + needle.length() <= limit; i++) {
            boolean match = true;
            for (int j = 0; j < needle.length(); j++) {
                if (text.charAt(i + j) != needle.charAt(j)) {
                    match = false;
                    break;
                }
            }
            if (match) {
                return i;
            }
        }
        return -1;
    }
}
