package io.switchboard.routing.rules;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.RoutingGroup;
import io.switchboard.core.StatementKind;
import io.switchboard.core.spi.RouteRequest;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One routing rule: every condition it names must hold for a request to go to its group. A rule with no condition
 * matches everything.
 *
 * @param clientTag matches when any of the request's client tags matches
 * @param headers header name (any case) to the matcher its first value must satisfy
 */
public record RoutingRule(
        String name,
        Optional<ValueMatcher> user,
        Optional<ValueMatcher> source,
        Optional<ValueMatcher> clientTag,
        Map<String, ValueMatcher> headers,
        Optional<StatementKind> statement,
        RoutingGroup group)
{
    public RoutingRule
    {
        requireNonNull(name, "name is null");
        requireNonNull(user, "user is null");
        requireNonNull(source, "source is null");
        requireNonNull(clientTag, "clientTag is null");
        Map<String, ValueMatcher> lowerCase = new java.util.LinkedHashMap<>();
        requireNonNull(headers, "headers is null").forEach((header, matcher) -> lowerCase.put(header.toLowerCase(Locale.ROOT), matcher));
        headers = java.util.Collections.unmodifiableMap(lowerCase);
        requireNonNull(statement, "statement is null");
        requireNonNull(group, "group is null");
    }

    public boolean matches(RouteRequest request)
    {
        if (user.isPresent() && !user.get().matches(request.user().orElse(null))) {
            return false;
        }
        if (source.isPresent() && !source.get().matches(request.source().orElse(null))) {
            return false;
        }
        if (clientTag.isPresent() && request.clientTags().stream().noneMatch(clientTag.get()::matches)) {
            return false;
        }
        for (Map.Entry<String, ValueMatcher> header : headers.entrySet()) {
            if (!header.getValue().matches(request.headers().get(header.getKey()))) {
                return false;
            }
        }
        return statement.isEmpty() || statement.get() == request.statementKind();
    }

    /** The conditions in words, for explain and logs. */
    public String describe()
    {
        List<String> parts = new ArrayList<>();
        user.ifPresent(matcher -> parts.add("user=" + matcher));
        source.ifPresent(matcher -> parts.add("source=" + matcher));
        clientTag.ifPresent(matcher -> parts.add("client-tag=" + matcher));
        headers.forEach((header, matcher) -> parts.add("header " + header + "=" + matcher));
        statement.ifPresent(kind -> parts.add("statement=" + kind.name().toLowerCase(Locale.ROOT).replace('_', '-')));
        return parts.isEmpty() ? "always" : String.join(", ", parts);
    }
}
