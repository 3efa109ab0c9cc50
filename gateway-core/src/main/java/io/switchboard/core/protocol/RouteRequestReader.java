package io.switchboard.core.protocol;

import io.switchboard.core.StatementKind;
import io.switchboard.core.spi.RouteRequest;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads what routing looks at from a submission's headers (either family) and SQL text. */
public final class RouteRequestReader
{
    /** The protocol's header names in lower case, computed once rather than for every submission. */
    private static final Map<String, String> LOWER_CASE_NAMES = lowerCaseNames();

    private RouteRequestReader() {}

    /**
     * @param headers the request's headers by lower-case name, first value of each
     */
    public static RouteRequest read(Map<String, String> headers, CharSequence sql)
    {
        // made immutable once here: the record keeps an immutable map as it is
        Map<String, String> names = Map.copyOf(headers);
        HeaderFamily family = HeaderFamily.of(name -> names.get(lowerCase(name)));
        String tagHeader = names.get(lowerCase(family.clientTags()));
        Set<String> tags = Set.of();
        if (tagHeader != null) {
            Set<String> parsed = new HashSet<>();
            for (String tag : tagHeader.split(",")) {
                if (!tag.isBlank()) {
                    parsed.add(tag.trim());
                }
            }
            tags = Set.copyOf(parsed);
        }
        return new RouteRequest(
                Optional.ofNullable(names.get(lowerCase(family.user()))),
                Optional.ofNullable(names.get(lowerCase(family.source()))),
                tags,
                names,
                StatementKind.of(sql),
                Optional.ofNullable(names.get(lowerCase(family.routingGroup()))));
    }

    private static Map<String, String> lowerCaseNames()
    {
        Map<String, String> names = new HashMap<>();
        for (HeaderFamily family : HeaderFamily.values()) {
            for (String name : List.of(family.user(), family.source(), family.clientTags(), family.routingGroup())) {
                names.put(name, name.toLowerCase(Locale.ROOT));
            }
        }
        return Map.copyOf(names);
    }

    private static String lowerCase(String name)
    {
        String lower = LOWER_CASE_NAMES.get(name);
        return lower != null ? lower : name.toLowerCase(Locale.ROOT);
    }
}
