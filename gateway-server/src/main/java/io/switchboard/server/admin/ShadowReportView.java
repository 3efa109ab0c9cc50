package io.switchboard.server.admin;

import io.switchboard.routing.shadow.Comparison;
import io.switchboard.routing.shadow.ShadowReport;
import io.switchboard.routing.shadow.SideResult;

import java.util.List;
import java.util.Map;

/** The shadow report as the admin API shows it: totals since start, recent mismatches, recent comparisons. */
public record ShadowReportView(
        long mirrored,
        long compared,
        long matched,
        long mismatched,
        long notCompared,
        int inFlight,
        Map<String, Long> dropped,
        Map<String, Long> skipped,
        List<ComparisonView> mismatches,
        List<ComparisonView> recent)
{
    /** A primary query beside its shadow. */
    public record ComparisonView(
            String group,
            String statement,
            String sql,
            String user,
            String verdict,
            List<String> differences,
            String reason,
            Double durationRatio,
            String ended,
            SideView primary,
            SideView shadow) {}

    /** One side; {@code rows} and {@code checksum} are null when the rows were not read. */
    public record SideView(String cluster, String queryId, String outcome, String errorName, String errorMessage, Long rows, String checksum, long elapsedMillis) {}

    static ShadowReportView of(ShadowReport.Snapshot snapshot)
    {
        return new ShadowReportView(snapshot.mirrored(), snapshot.compared(), snapshot.matched(), snapshot.mismatched(), snapshot.notCompared(), snapshot.inFlight(),
                snapshot.dropped(), snapshot.skipped(), snapshot.mismatches().stream().map(ShadowReportView::view).toList(),
                snapshot.recent().stream().map(ShadowReportView::view).toList());
    }

    private static ComparisonView view(Comparison comparison)
    {
        return new ComparisonView(comparison.group(), comparison.statement(), comparison.sql(), comparison.user(), comparison.verdict().name(), comparison.differences(),
                comparison.reason(), comparison.durationRatio().orElse(null), comparison.ended().toString(), view(comparison.primary()), view(comparison.shadow()));
    }

    private static SideView view(SideResult side)
    {
        return new SideView(side.cluster(), side.queryId(), side.outcome().name(), side.errorName(), side.errorMessage(), side.rowsKnown() ? side.rows() : null,
                side.checksumHex(), side.elapsedMillis());
    }
}
