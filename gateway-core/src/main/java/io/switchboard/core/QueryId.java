package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/** A Trino or Presto query id such as {@code 20261126_101530_00042_abcde}. */
public record QueryId(String value)
{
    private static final int MAX_LENGTH = 128;

    public QueryId
    {
        requireNonNull(value, "value is null");
        if (!isValid(value)) {
            throw new IllegalArgumentException("invalid query id '" + value + "'");
        }
    }

    public static QueryId of(String value)
    {
        return new QueryId(value);
    }

    public static Optional<QueryId> parse(CharSequence text)
    {
        if (text == null || !isValid(text)) {
            return Optional.empty();
        }
        return Optional.of(new QueryId(text.toString()));
    }

    /** Same alphabet as Trino's {@code QueryId}: lower-case letters, digits and underscores. */
    private static boolean isValid(CharSequence text)
    {
        int length = text.length();
        if (length == 0 || length > MAX_LENGTH) {
            return false;
        }
        for (int i = 0; i < length; i++) {
            char c = text.charAt(i);
            if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString()
    {
        return value;
    }
}
