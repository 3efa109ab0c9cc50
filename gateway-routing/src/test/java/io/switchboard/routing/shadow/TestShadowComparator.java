package io.switchboard.routing.shadow;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;
import io.switchboard.core.ReadOnlyStatement;
import io.switchboard.core.RoutingGroup;
import io.switchboard.routing.shadow.Comparison.Verdict;
import io.switchboard.routing.shadow.SideResult.Outcome;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

final class TestShadowComparator
{
    @Test
    void sameOutcomeRowsAndChecksumMatch()
    {
        Comparison comparison = compare(ReadOnlyStatement.SELECT, finished(10, 42, 100), finished(10, 42, 150));

        assertThat(comparison.verdict()).isEqualTo(Verdict.MATCH);
        assertThat(comparison.differences()).isEmpty();
        assertThat(comparison.durationRatio()).contains(1.5);
    }

    @Test
    void failuresMatchOnlyWithTheSameErrorName()
    {
        assertThat(compare(ReadOnlyStatement.SELECT, failed("TABLE_NOT_FOUND"), failed("TABLE_NOT_FOUND")).verdict()).isEqualTo(Verdict.MATCH);

        Comparison different = compare(ReadOnlyStatement.SELECT, failed("TABLE_NOT_FOUND"), failed("CATALOG_NOT_FOUND"));
        assertThat(different.verdict()).isEqualTo(Verdict.MISMATCH);
        assertThat(different.differences()).containsExactly(Comparison.OUTCOME);
        assertThat(different.durationRatio()).isEmpty();
    }

    @Test
    void explainIsJudgedByItsOutcomeOnly()
    {
        assertThat(compare(ReadOnlyStatement.EXPLAIN, finished(30, 1, 10), finished(31, 2, 10)).verdict()).isEqualTo(Verdict.MATCH);
        assertThat(compare(ReadOnlyStatement.SHOW, finished(30, 1, 10), finished(31, 2, 10)).differences())
                .containsExactly(Comparison.ROW_COUNT, Comparison.CHECKSUM);
    }

    @Test
    void rowsNotReadAreNotCompared()
    {
        SideResult spooled = new SideResult("trino-a", "q1", Outcome.FINISHED, null, null, false, 0, 0, 10);

        assertThat(compare(ReadOnlyStatement.SELECT, spooled, finished(5, 9, 10)).verdict()).isEqualTo(Verdict.MATCH);
    }

    @Test
    void cancelledTimedOutOrOversizedQueriesGetNoVerdict()
    {
        SideResult cancelled = new SideResult("trino-a", "q1", Outcome.CANCELLED, "USER_CANCELED", null, false, 0, 0, 10);
        SideResult tooLarge = new SideResult("trino-next", "q2", Outcome.TOO_LARGE, null, null, false, 0, 0, 10);
        SideResult timeout = new SideResult("trino-next", "q2", Outcome.TIMEOUT, null, null, false, 0, 0, 10);

        assertThat(compare(ReadOnlyStatement.SELECT, cancelled, finished(1, 1, 1)).verdict()).isEqualTo(Verdict.NOT_COMPARED);
        assertThat(compare(ReadOnlyStatement.SELECT, finished(1, 1, 1), tooLarge).reason()).contains("larger than the limit");
        assertThat(compare(ReadOnlyStatement.SELECT, finished(1, 1, 1), timeout).verdict()).isEqualTo(Verdict.NOT_COMPARED);
    }

    @Test
    void longSqlIsShortenedInTheReport()
    {
        ShadowRequest request = new ShadowRequest(QueryId.of("q1"), ClusterId.of("trino-a"), RoutingGroup.of("adhoc"), ReadOnlyStatement.SELECT,
                "SELECT '" + "x".repeat(5000) + "'", List.of(), Optional.of("alice"));

        Comparison comparison = ShadowComparator.compare(request, finished(1, 1, 1), finished(1, 1, 1), Instant.EPOCH);

        assertThat(comparison.sql()).hasSize(Comparison.MAX_SQL_CHARACTERS);
        assertThat(comparison.user()).isEqualTo("alice");
        assertThat(comparison.statement()).isEqualTo("select");
    }

    private static Comparison compare(ReadOnlyStatement statement, SideResult primary, SideResult shadow)
    {
        ShadowRequest request = new ShadowRequest(QueryId.of("q1"), ClusterId.of("trino-a"), RoutingGroup.of("adhoc"), statement, "SQL", List.of(), Optional.empty());
        return ShadowComparator.compare(request, primary, shadow, Instant.EPOCH);
    }

    private static SideResult finished(long rows, long checksum, long elapsedMillis)
    {
        return new SideResult("c", "q", Outcome.FINISHED, null, null, true, rows, checksum, elapsedMillis);
    }

    private static SideResult failed(String errorName)
    {
        return new SideResult("c", "q", Outcome.FAILED, errorName, "failed", false, 0, 0, 10);
    }
}
