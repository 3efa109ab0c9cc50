package io.switchboard.core.protocol;

import io.switchboard.core.StatementKind;
import io.switchboard.core.spi.RouteRequest;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** Reads what routing looks at from a submission's headers (either family) and SQL text. */
public final class RouteRequestReader
{
    private RouteRequestReader() {}

    /**
     * @param headers the request's headers by lower-case name, first value of each
     */
    public static RouteRequest read(Map<String, String> headers, CharSequence sql)
    {
        // made immutable once here: the record keeps an immutable map as it is
        Map<String, String> names = Map.copyOf(headers);
        HeaderFamily family = HeaderFamily.of(name -> names.get(name.toLowerCase(Locale.ROOT)));
        String tagHeader = names.get(family.clientTags().toLowerCase(Locale.ROOT));
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
                Optional.ofNullable(names.get(family.user().toLowerCase(Locale.ROOT))),
                Optional.ofNullable(names.get(family.source().toLowerCase(Locale.ROOT))),
                tags,
                names,
                StatementKind.of(sql),
                Optional.ofNullable(names.get(family.routingGroup().toLowerCase(Locale.ROOT))));
    }
}
