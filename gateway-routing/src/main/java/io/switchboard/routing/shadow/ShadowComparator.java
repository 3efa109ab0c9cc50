package io.switchboard.routing.shadow;

import io.switchboard.core.ReadOnlyStatement;
import io.switchboard.routing.shadow.Comparison.Verdict;
import io.switchboard.routing.shadow.SideResult.Outcome;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/** Judges a primary query against its shadow: a pure function of the two results. */
final class ShadowComparator
{
    private ShadowComparator() {}

    /**
     * Outcomes must agree (and failures must fail with the same error name); finished queries must return the same
     * number of rows with the same checksum. {@code EXPLAIN} is judged by its outcome only: a plan that differs is
     * what an upgrade is expected to bring, not a wrong answer.
     */
    static Comparison compare(ShadowRequest request, SideResult primary, SideResult shadow, Instant now)
    {
        String sql = request.sql().length() <= Comparison.MAX_SQL_CHARACTERS ? request.sql() : request.sql().substring(0, Comparison.MAX_SQL_CHARACTERS);
        String statement = request.statement().configName();
        String user = request.user().orElse(null);
        Optional<String> reason = notComparable(primary, shadow);
        if (reason.isPresent()) {
            return new Comparison(request.group().name(), statement, sql, user, primary, shadow, Verdict.NOT_COMPARED, List.of(), reason.get(), Optional.empty(), now);
        }
        List<String> differences = new ArrayList<>();
        if (primary.outcome() != shadow.outcome() || (primary.outcome() == Outcome.FAILED && !Objects.equals(primary.errorName(), shadow.errorName()))) {
            differences.add(Comparison.OUTCOME);
        }
        boolean bothFinished = primary.outcome() == Outcome.FINISHED && shadow.outcome() == Outcome.FINISHED;
        if (bothFinished && request.statement() != ReadOnlyStatement.EXPLAIN && primary.rowsKnown() && shadow.rowsKnown()) {
            if (primary.rows() != shadow.rows()) {
                differences.add(Comparison.ROW_COUNT);
            }
            if (primary.checksum() != shadow.checksum()) {
                differences.add(Comparison.CHECKSUM);
            }
        }
        Optional<Double> ratio = bothFinished && primary.elapsedMillis() > 0 && shadow.elapsedMillis() >= 0
                ? Optional.of((double) shadow.elapsedMillis() / primary.elapsedMillis())
                : Optional.empty();
        Verdict verdict = differences.isEmpty() ? Verdict.MATCH : Verdict.MISMATCH;
        return new Comparison(request.group().name(), statement, sql, user, primary, shadow, verdict, differences, null, ratio, now);
    }

    private static Optional<String> notComparable(SideResult primary, SideResult shadow)
    {
        return switch (primary.outcome()) {
            case CANCELLED -> Optional.of("the client cancelled its query");
            case TIMEOUT -> Optional.of("the primary query did not end within the comparison's time limit");
            case ERROR, TOO_LARGE, FINISHED, FAILED -> switch (shadow.outcome()) {
                case CANCELLED -> Optional.of("the shadow query was cancelled");
                case TIMEOUT -> Optional.of("the shadow query did not end within the comparison's time limit");
                case TOO_LARGE -> Optional.of("the shadow query's result was larger than the limit");
                case ERROR, FINISHED, FAILED -> Optional.empty();
            };
        };
    }
}
