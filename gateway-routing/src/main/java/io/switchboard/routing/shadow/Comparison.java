package io.switchboard.routing.shadow;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A primary query and its shadow side by side, once both ended.
 *
 * @param differences what differs: {@code outcome}, {@code row_count}, {@code checksum}; empty unless the verdict
 *     is {@link Verdict#MISMATCH}
 * @param reason why there is no verdict, for {@link Verdict#NOT_COMPARED}
 * @param durationRatio the shadow's duration over the primary's, when both finished
 */
public record Comparison(
        String group,
        String statement,
        String sql,
        String user,
        SideResult primary,
        SideResult shadow,
        Verdict verdict,
        List<String> differences,
        String reason,
        Optional<Double> durationRatio,
        Instant ended)
{
    /** The longest SQL text a report shows. */
    public static final int MAX_SQL_CHARACTERS = 1000;

    /** What the comparison concluded. */
    public enum Verdict
    {
        MATCH,
        MISMATCH,
        /** One side cannot be judged: it was cancelled, timed out, or read too much. */
        NOT_COMPARED;

        public String label()
        {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public static final String OUTCOME = "outcome";
    public static final String ROW_COUNT = "row_count";
    public static final String CHECKSUM = "checksum";

    public Comparison
    {
        requireNonNull(group, "group is null");
        requireNonNull(statement, "statement is null");
        requireNonNull(sql, "sql is null");
        requireNonNull(primary, "primary is null");
        requireNonNull(shadow, "shadow is null");
        requireNonNull(verdict, "verdict is null");
        differences = List.copyOf(differences);
        requireNonNull(durationRatio, "durationRatio is null");
        requireNonNull(ended, "ended is null");
    }
}
