package io.switchboard.core;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The kinds of statement that only read, by their first keyword: what {@link StatementKind#READ_ONLY} covers, finer
 * grained, so that shadow mirroring can allow some kinds and not others.
 */
public enum ReadOnlyStatement
{
    SELECT,
    /** {@code WITH ... SELECT}: Trino's {@code WITH} only ever introduces a query. */
    WITH,
    VALUES,
    TABLE,
    SHOW,
    /** {@code DESCRIBE} and its short form {@code DESC}. */
    DESCRIBE,
    /** {@code EXPLAIN}, and {@code EXPLAIN ANALYZE} of a statement that only reads. */
    EXPLAIN;

    /** The name used in configuration: the keyword in lower case. */
    public String configName()
    {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Every configuration name, in declaration order. */
    public static List<String> configNames()
    {
        return Arrays.stream(values()).map(ReadOnlyStatement::configName).toList();
    }

    public static Optional<ReadOnlyStatement> ofConfigName(String name)
    {
        return Arrays.stream(values()).filter(kind -> kind.configName().equals(name)).findFirst();
    }
}
