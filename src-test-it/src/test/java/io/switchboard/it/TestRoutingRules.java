package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A routing rule sends queries from Airflow to the etl cluster and everything else to adhoc; explain says why. */
@Timeout(90)
final class TestRoutingRules
{
    private static final String RULE = "etl-from-airflow";
    private static final String AIRFLOW_SOURCE = "airflow-daily";
    private static final String NATIONS = "SELECT count(*) FROM tpch.tiny.nation";
    private static final int QUERIES = 3;

    // trino-a serves adhoc (the default group), trino-b serves etl
    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.over("gateway", trino -> GatewayConfig.onFreePorts("adhoc", List.of(
                    new GatewayConfig.Cluster(trino.first().name(), trino.first().uri(), "adhoc"),
                    new GatewayConfig.Cluster(trino.second().name(), trino.second().uri(), "etl")))
            .withRules(List.of(new GatewayConfig.Rule(RULE, Map.of("source", "regex:airflow.*"), "etl"))));

    @Test
    void jdbcQueriesFromAirflowRunOnTheEtlCluster()
            throws SQLException
    {
        String marker = QueryMarkers.newMarker("rules-jdbc-airflow");

        runOverJdbc("&source=" + AIRFLOW_SOURCE, marker);

        assertThat(QueryMarkers.runtimeQueries(etlCluster(), marker))
                .hasSize(QUERIES)
                .allSatisfy(query -> {
                    assertThat(query.source()).isEqualTo(AIRFLOW_SOURCE);
                    assertThat(query.state()).isEqualTo("FINISHED");
                });
        assertThat(QueryMarkers.runtimeQueries(adhocCluster(), marker)).isEmpty();
    }

    @Test
    void jdbcQueriesFromAnotherSourceRunOnTheAdhocCluster()
            throws SQLException
    {
        String marker = QueryMarkers.newMarker("rules-jdbc-bi");

        runOverJdbc("&source=superset", marker);

        assertThat(QueryMarkers.runtimeQueries(adhocCluster(), marker))
                .hasSize(QUERIES)
                .allSatisfy(query -> assertThat(query.source()).isEqualTo("superset"));
        assertThat(QueryMarkers.runtimeQueries(etlCluster(), marker)).isEmpty();
    }

    @Test
    void cliQueryFromAirflowRunsOnTheEtlCluster()
            throws IOException, InterruptedException, SQLException
    {
        String marker = QueryMarkers.newMarker("rules-cli-airflow");

        TrinoCli.Result result = TrinoCli.execute(GATEWAY.gateway().proxyUri(), "/* " + marker + " */ " + NATIONS, "CSV",
                List.of("--source", AIRFLOW_SOURCE));

        assertThat(result.exitCode()).as(result.allOutput()).isZero();
        assertThat(result.stdout().strip()).isEqualTo("\"25\"");
        assertThat(QueryMarkers.runtimeQueries(etlCluster(), marker))
                .singleElement()
                .satisfies(query -> assertThat(query.source()).isEqualTo(AIRFLOW_SOURCE));
        assertThat(QueryMarkers.runtimeQueries(adhocCluster(), marker)).isEmpty();
    }

    @Test
    void cliQueryWithItsDefaultSourceRunsOnTheAdhocCluster()
            throws IOException, InterruptedException, SQLException
    {
        String marker = QueryMarkers.newMarker("rules-cli-default");

        TrinoCli.Result result = TrinoCli.execute(GATEWAY.gateway().proxyUri(), "/* " + marker + " */ " + NATIONS);

        assertThat(result.exitCode()).as(result.allOutput()).isZero();
        assertThat(result.stdout().strip()).isEqualTo("\"25\"");
        assertThat(QueryMarkers.runtimeQueries(adhocCluster(), marker)).hasSize(1);
        assertThat(QueryMarkers.runtimeQueries(etlCluster(), marker)).isEmpty();
    }

    @Test
    void explainOfAnAirflowQueryNamesTheRuleTheEtlGroupAndItsCluster()
            throws IOException, InterruptedException
    {
        JsonNode explanation = GATEWAY.gateway().admin().explain(
                Map.of("X-Trino-User", "etl-bot", "X-Trino-Source", AIRFLOW_SOURCE), "SELECT 1");

        assertThat(explanation.path("outcome").asText()).as(explanation.toString()).isEqualTo("ROUTED");
        assertThat(explanation.path("rule").asText()).as(explanation.toString()).isEqualTo(RULE);
        assertThat(explanation.path("group").asText()).as(explanation.toString()).isEqualTo("etl");
        assertThat(explanation.path("cluster").asText()).as(explanation.toString()).isEqualTo(etlCluster().name());
    }

    @Test
    void explainOfAQueryNoRuleMatchesNamesTheDefaultGroupAndItsCluster()
            throws IOException, InterruptedException
    {
        JsonNode explanation = GATEWAY.gateway().admin().explain(Map.of("X-Trino-User", "analyst"), "SELECT 1");

        assertThat(explanation.path("outcome").asText()).as(explanation.toString()).isEqualTo("ROUTED");
        assertThat(explanation.path("rule").asText()).as(explanation.toString()).isEqualTo("default");
        assertThat(explanation.path("group").asText()).as(explanation.toString()).isEqualTo("adhoc");
        assertThat(explanation.path("cluster").asText()).as(explanation.toString()).isEqualTo(adhocCluster().name());
    }

    private static void runOverJdbc(String urlProperties, String marker)
            throws SQLException
    {
        try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl() + urlProperties);
                Statement statement = connection.createStatement()) {
            for (int i = 0; i < QUERIES; i++) {
                try (ResultSet resultSet = statement.executeQuery("/* " + marker + " */ " + NATIONS)) {
                    assertThat(resultSet.next()).isTrue();
                    assertThat(resultSet.getLong(1)).isEqualTo(25);
                    assertThat(resultSet.next()).isFalse();
                }
            }
        }
    }

    private static TrinoServer adhocCluster()
    {
        return GATEWAY.trino().first();
    }

    private static TrinoServer etlCluster()
    {
        return GATEWAY.trino().second();
    }
}
