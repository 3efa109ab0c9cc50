package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/** Identifier of one backend cluster, safe to embed in a URI path and in metric labels. */
public record ClusterId(String value)
{
    private static final Pattern VALID = Pattern.compile("[a-z0-9][a-z0-9_-]{0,62}");

    public ClusterId
    {
        requireNonNull(value, "value is null");
        if (!VALID.matcher(value).matches()) {
            throw new IllegalArgumentException("invalid cluster id '" + value + "': expected lower-case letters, digits, '-' or '_' (at most 63)");
        }
    }

    public static ClusterId of(String value)
    {
        return new ClusterId(value);
    }

    @Override
    public String toString()
    {
        return value;
    }
}
