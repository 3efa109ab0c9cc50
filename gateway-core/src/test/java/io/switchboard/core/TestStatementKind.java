package io.switchboard.core;

import static io.switchboard.core.StatementKind.OTHER;
import static io.switchboard.core.StatementKind.READ_ONLY;
import static org.assertj.core.api.Assertions.assertThat;

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
}
