package io.switchboard.core;

import static java.util.Objects.requireNonNull;

import java.util.regex.Pattern;

/** Name of a set of clusters that serve the same kind of workload (ad-hoc, ETL, BI, ...). */
public record RoutingGroup(String name)
{
    private static final Pattern VALID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");

    public RoutingGroup
    {
        requireNonNull(name, "name is null");
        if (!VALID.matcher(name).matches()) {
            throw new IllegalArgumentException("invalid routing group '" + name + "': expected letters, digits, '-', '_' or '.' (at most 63)");
        }
    }

    public static RoutingGroup of(String name)
    {
        return new RoutingGroup(name);
    }

    @Override
    public String toString()
    {
        return name;
    }
}
