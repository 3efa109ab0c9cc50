package io.switchboard.core;

import static io.switchboard.core.StatementKind.OTHER;
import static io.switchboard.core.StatementKind.READ_ONLY;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.protocol.PreparedStatementHeader;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class TestStatementKind
{
    @Test
    void queriesAndMetadataStatementsOnlyRead()
    {
        assertThat(StatementKind.of("SELECT 1")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("  select * from t")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("WITH x AS (SELECT 1) SELECT * FROM x")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("(SELECT 1) UNION (SELECT 2)")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("VALUES 1, 2")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("SHOW CATALOGS")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("DESCRIBE tpch.tiny.nation")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("EXPLAIN INSERT INTO t VALUES 1")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("EXPLAIN ANALYZE SELECT 1")).isEqualTo(READ_ONLY);
    }

    @Test
    void commentsBeforeTheKeywordAreSkipped()
    {
        assertThat(StatementKind.of("-- daily report\n/* owner: bi */ SELECT 1")).isEqualTo(READ_ONLY);
        assertThat(StatementKind.of("/* SELECT */ DELETE FROM t")).isEqualTo(OTHER);
    }

    @Test
    void writesDdlAndSessionStatementsAreOther()
    {
        assertThat(StatementKind.of("INSERT INTO t SELECT * FROM u")).isEqualTo(OTHER);
        assertThat(StatementKind.of("CREATE TABLE t AS SELECT 1")).isEqualTo(OTHER);
        assertThat(StatementKind.of("DELETE FROM t")).isEqualTo(OTHER);
        assertThat(StatementKind.of("CALL system.sync_partition_metadata('a', 'b', 'ADD')")).isEqualTo(OTHER);
        assertThat(StatementKind.of("EXPLAIN ANALYZE INSERT INTO t VALUES 1")).isEqualTo(OTHER);
        assertThat(StatementKind.of("SET SESSION a = 'b'")).isEqualTo(OTHER);
        assertThat(StatementKind.of("START TRANSACTION")).isEqualTo(OTHER);
        assertThat(StatementKind.of("")).isEqualTo(OTHER);
        assertThat(StatementKind.of("/* unterminated")).isEqualTo(OTHER);
        assertThat(StatementKind.of("SELECTED")).isEqualTo(OTHER);
    }
    @Test
    void readOnlyStatementsAreToldApartByTheirFirstKeyword()
    {
        assertThat(StatementKind.readOnlyStatement("select 1")).contains(ReadOnlyStatement.SELECT);
        assertThat(StatementKind.readOnlyStatement("(SELECT 1) UNION (SELECT 2)")).contains(ReadOnlyStatement.SELECT);
        assertThat(StatementKind.readOnlyStatement("WITH x AS (SELECT 1) SELECT * FROM x")).contains(ReadOnlyStatement.WITH);
        assertThat(StatementKind.readOnlyStatement("VALUES 1")).contains(ReadOnlyStatement.VALUES);
        assertThat(StatementKind.readOnlyStatement("TABLE tpch.tiny.nation")).contains(ReadOnlyStatement.TABLE);
        assertThat(StatementKind.readOnlyStatement("SHOW SCHEMAS FROM tpch")).contains(ReadOnlyStatement.SHOW);
        assertThat(StatementKind.readOnlyStatement("DESC tpch.tiny.nation")).contains(ReadOnlyStatement.DESCRIBE);
        assertThat(StatementKind.readOnlyStatement("DESCRIBE OUTPUT q")).contains(ReadOnlyStatement.DESCRIBE);
        assertThat(StatementKind.readOnlyStatement("EXPLAIN SELECT 1")).contains(ReadOnlyStatement.EXPLAIN);
        assertThat(StatementKind.readOnlyStatement("EXPLAIN ANALYZE VERBOSE SELECT 1")).contains(ReadOnlyStatement.EXPLAIN);
        assertThat(StatementKind.readOnlyStatement("EXPLAIN ANALYZE DELETE FROM t")).isEmpty();
        assertThat(StatementKind.readOnlyStatement("INSERT INTO t VALUES 1")).isEmpty();
        assertThat(StatementKind.readOnlyStatement("CALL system.runtime.kill_query('q')")).isEmpty();
    }

    @Test
    void executeIsJudgedByTheStatementItRuns()
    {
        Map<String, String> prepared = PreparedStatementHeader.parse(List.of("my_select=SELECT+*+FROM+t+WHERE+a+%3D+%3F,my_insert=INSERT+INTO+t+VALUES+%3F"));

        assertThat(StatementKind.readOnlyStatement("EXECUTE my_select USING 1", name -> PreparedStatementHeader.find(prepared, name))).contains(ReadOnlyStatement.SELECT);
        assertThat(StatementKind.readOnlyStatement("execute MY_SELECT", name -> PreparedStatementHeader.find(prepared, name))).contains(ReadOnlyStatement.SELECT);
        assertThat(StatementKind.readOnlyStatement("EXECUTE my_insert USING 1", name -> PreparedStatementHeader.find(prepared, name))).isEmpty();
        assertThat(StatementKind.readOnlyStatement("EXECUTE unknown", name -> PreparedStatementHeader.find(prepared, name))).isEmpty();
        assertThat(StatementKind.readOnlyStatement("EXECUTE IMMEDIATE 'SELECT ''it''''s'''", name -> Optional.empty())).contains(ReadOnlyStatement.SELECT);
        assertThat(StatementKind.readOnlyStatement("EXECUTE IMMEDIATE 'DROP TABLE t'", name -> Optional.empty())).isEmpty();
        assertThat(StatementKind.readOnlyStatement("EXECUTE IMMEDIATE 'SELECT 1", name -> Optional.empty())).isEmpty();
        assertThat(StatementKind.readOnlyStatement("SHOW TABLES", name -> Optional.empty())).contains(ReadOnlyStatement.SHOW);
    }

    @Test
    void preparedStatementHeadersAreDecoded()
    {
        assertThat(PreparedStatementHeader.parse(List.of("a=SELECT+1", "b%2Cc=SELECT+%27x%2Cy%27, broken, =x")))
                .containsExactly(Map.entry("a", "SELECT 1"), Map.entry("b,c", "SELECT 'x,y'"));
    }

    @Test
    void configNamesAreLowerCaseKeywords()
    {
        assertThat(ReadOnlyStatement.configNames()).containsExactly("select", "with", "values", "table", "show", "describe", "explain");
        assertThat(ReadOnlyStatement.ofConfigName("describe")).contains(ReadOnlyStatement.DESCRIBE);
        assertThat(ReadOnlyStatement.ofConfigName("insert")).isEmpty();
    }
}
