package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.switchboard.core.RoutingGroup;
import io.switchboard.core.StatementKind;
import io.switchboard.routing.rules.RoutingRule;
import io.switchboard.routing.rules.ValueMatcher;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * One routing rule: the conditions in {@code match} (all must hold) and the group a matching query goes to. Values
 * match exactly, or as a whole-value regular expression when written {@code regex:<pattern>}.
 */
public record RuleConfig(String name, MatchConfig match, String group)
{
    /** What a rule looks at. */
    public record MatchConfig(String user, String source, String clientTag, Map<String, String> headers, String statement)
    {
        public MatchConfig
        {
            headers = headers == null ? Map.of() : new LinkedHashMap<>(headers);
            require(statement == null || statement.equals("read-only") || statement.equals("other"), "statement: must be read-only or other, got '" + statement + "'");
            for (String value : new String[] {user, source, clientTag}) {
                if (value != null) {
                    ValueMatcher.parse(value);
                }
            }
            headers.values().forEach(ValueMatcher::parse);
        }
    }

    public RuleConfig
    {
        require(name != null && !name.isBlank(), "name: is required");
        require(group != null, "group: is required");
        match = match == null ? new MatchConfig(null, null, null, null, null) : match;
        try {
            RoutingGroup.of(group);
        }
        catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("group: " + e.getMessage());
        }
    }

    public RoutingRule toRule()
    {
        Map<String, ValueMatcher> headers = new LinkedHashMap<>();
        match.headers().forEach((header, value) -> headers.put(header, ValueMatcher.parse(value)));
        return new RoutingRule(
                name,
                Optional.ofNullable(match.user()).map(ValueMatcher::parse),
                Optional.ofNullable(match.source()).map(ValueMatcher::parse),
                Optional.ofNullable(match.clientTag()).map(ValueMatcher::parse),
                headers,
                Optional.ofNullable(match.statement()).map(kind -> kind.equals("read-only") ? StatementKind.READ_ONLY : StatementKind.OTHER),
                RoutingGroup.of(group));
    }
}
