package io.switchboard.routing.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.RoutingGroup;
import io.switchboard.core.StatementKind;
import io.switchboard.core.spi.RouteRequest;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.Test;

final class TestRoutingRule
{
    @Test
    void matchesExactValuesAndWholeValueRegexes()
    {
        RoutingRule rule = rule(Optional.of("regex:airflow.*"), Optional.empty(), Map.of(), Optional.empty());

        assertThat(rule.matches(request("etl", "airflow-prod", Set.of(), Map.of(), "INSERT INTO t SELECT 1"))).isTrue();
        assertThat(rule.matches(request("etl", "my-airflow", Set.of(), Map.of(), "SELECT 1"))).isFalse();
        assertThat(rule.matches(request("etl", null, Set.of(), Map.of(), "SELECT 1"))).isFalse();
    }

    @Test
    void everyConditionMustHold()
    {
        RoutingRule rule = rule(Optional.empty(), Optional.of("bi"), Map.of("X-Team", "regex:fin.*"), Optional.of(StatementKind.READ_ONLY));

        assertThat(rule.matches(request("u", "s", Set.of("bi", "x"), Map.of("x-team", "finance"), "SELECT 1"))).isTrue();
        assertThat(rule.matches(request("u", "s", Set.of("bi"), Map.of("x-team", "finance"), "DELETE FROM t"))).isFalse();
        assertThat(rule.matches(request("u", "s", Set.of("x"), Map.of("x-team", "finance"), "SELECT 1"))).isFalse();
        assertThat(rule.matches(request("u", "s", Set.of("bi"), Map.of(), "SELECT 1"))).isFalse();
    }

    @Test
    void aRuleWithoutConditionsMatchesEverything()
    {
        assertThat(rule(Optional.empty(), Optional.empty(), Map.of(), Optional.empty()).matches(request(null, null, Set.of(), Map.of(), ""))).isTrue();
    }

    @Test
    void invalidRegexesAreRefused()
    {
        assertThatThrownBy(() -> ValueMatcher.parse("regex:([a-z")).hasMessageContaining("invalid regular expression");
    }

    private static RoutingRule rule(Optional<String> source, Optional<String> tag, Map<String, String> headers, Optional<StatementKind> statement)
    {
        Map<String, ValueMatcher> matchers = new java.util.HashMap<>();
        headers.forEach((name, value) -> matchers.put(name, ValueMatcher.parse(value)));
        return new RoutingRule("r", Optional.empty(), source.map(ValueMatcher::parse), tag.map(ValueMatcher::parse), matchers, statement, RoutingGroup.of("etl"));
    }

    private static RouteRequest request(String user, String source, Set<String> tags, Map<String, String> headers, String sql)
    {
        return new RouteRequest(Optional.ofNullable(user), Optional.ofNullable(source), tags, headers, StatementKind.of(sql), Optional.empty());
    }
}
