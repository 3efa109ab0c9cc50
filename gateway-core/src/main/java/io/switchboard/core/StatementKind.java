package io.switchboard.core;

import java.util.Locale;

/**
 * Whether a statement only reads. Routing rules and shadow mirroring use it; it looks at the statement's first
 * keyword, after comments and parentheses, as Trino's grammar starts each statement kind with its own keyword.
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
        int position = 0;
        while (true) {
            position = skipInsignificant(sql, position);
            String keyword = keywordAt(sql, position);
            if (keyword.isEmpty()) {
                return OTHER;
            }
            switch (keyword) {
                case "SELECT", "WITH", "VALUES", "TABLE", "SHOW", "DESCRIBE", "DESC":
                    return READ_ONLY;
                case "EXPLAIN":
                    position += keyword.length();
                    int next = skipInsignificant(sql, position);
                    if (!keywordAt(sql, next).equals("ANALYZE")) {
                        return READ_ONLY;
                    }
                    // EXPLAIN ANALYZE runs the statement: it reads only if the statement does
                    position = next + "ANALYZE".length();
                    int afterAnalyze = skipInsignificant(sql, position);
                    if (keywordAt(sql, afterAnalyze).equals("VERBOSE")) {
                        position = afterAnalyze + "VERBOSE".length();
                    }
                    continue;
                default:
                    return OTHER;
            }
        }
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
