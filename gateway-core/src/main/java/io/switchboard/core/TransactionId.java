package io.switchboard.core;

import static java.util.Objects.requireNonNull;

/** A transaction id returned by a coordinator in {@code X-Trino-Started-Transaction-Id}. */
public record TransactionId(String value)
{
    public TransactionId
    {
        requireNonNull(value, "value is null");
        if (value.isBlank() || value.length() > 128) {
            throw new IllegalArgumentException("invalid transaction id '" + value + "'");
        }
    }

    /** The value clients send when no transaction is open. */
    public static boolean isNone(String headerValue)
    {
        return headerValue == null || headerValue.isBlank() || headerValue.trim().equalsIgnoreCase("NONE");
    }

    @Override
    public String toString()
    {
        return value;
    }
}
