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
        HeaderFamily family = HeaderFamily.of(name -> headers.get(name.toLowerCase(Locale.ROOT)));
        Set<String> tags = new HashSet<>();
        String tagHeader = headers.get(family.clientTags().toLowerCase(Locale.ROOT));
        if (tagHeader != null) {
            for (String tag : tagHeader.split(",")) {
                if (!tag.isBlank()) {
                    tags.add(tag.trim());
                }
            }
        }
        return new RouteRequest(
                Optional.ofNullable(headers.get(family.user().toLowerCase(Locale.ROOT))),
                Optional.ofNullable(headers.get(family.source().toLowerCase(Locale.ROOT))),
                tags,
                headers,
                StatementKind.of(sql),
                Optional.ofNullable(headers.get(family.routingGroup().toLowerCase(Locale.ROOT))));
    }
}
