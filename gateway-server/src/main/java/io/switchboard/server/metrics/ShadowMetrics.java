package io.switchboard.server.metrics;

import static java.util.Objects.requireNonNull;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.switchboard.routing.shadow.Comparison;
import io.switchboard.routing.shadow.ShadowMirror;

/**
 * Shadow mirroring's metrics, named {@code switchboard_shadow_*}: shadow queries by outcome, comparisons by verdict,
 * mismatches by what differed, the shadow's duration over the primary's, and samples skipped or dropped.
 */
public final class ShadowMetrics
        implements ShadowMirror.Listener
{
    /** Buckets of the duration ratio: a shadow twice as slow lands in {@code le="2"}. */
    private static final double[] RATIO_BUCKETS = {0.25, 0.5, 0.75, 0.9, 1.0, 1.1, 1.25, 1.5, 2, 3, 5, 10};

    private final MeterRegistry registry;

    public ShadowMetrics(MeterRegistry registry)
    {
        this.registry = requireNonNull(registry, "registry is null");
    }

    /** Gauges of the work in progress. */
    public void bind(ShadowMirror mirror)
    {
        Gauge.builder("switchboard.shadow.active.comparisons", mirror, ShadowMirror::active)
                .description("Mirrored queries whose comparison is in progress")
                .register(registry);
        Gauge.builder("switchboard.shadow.held", mirror, ShadowMirror::heldBytes)
                .baseUnit("bytes")
                .description("Bytes of statements held for running shadow queries")
                .register(registry);
    }

    @Override
    public void mirrored(String group, String shadowCluster)
    {
        Counter.builder("switchboard.shadow.mirrored")
                .description("Statements mirrored to a shadow cluster")
                .tags("group", group, "cluster", shadowCluster)
                .register(registry)
                .increment();
    }

    @Override
    public void skipped(String group, String reason)
    {
        Counter.builder("switchboard.shadow.skipped")
                .description("Sampled statements that may not be mirrored: not an allowed read-only kind, or inside a transaction")
                .tags("group", group, "reason", reason)
                .register(registry)
                .increment();
    }

    @Override
    public void dropped(String group, String reason)
    {
        Counter.builder("switchboard.shadow.dropped")
                .description("Sampled statements not mirrored because of the limits or an unhealthy shadow cluster")
                .tags("group", group, "reason", reason)
                .register(registry)
                .increment();
    }

    @Override
    public void compared(Comparison comparison)
    {
        Counter.builder("switchboard.shadow.queries")
                .description("Shadow queries that ended, by outcome")
                .tags("group", comparison.group(), "cluster", comparison.shadow().cluster(), "outcome", comparison.shadow().outcome().label())
                .register(registry)
                .increment();
        Counter.builder("switchboard.shadow.comparisons")
                .description("Primary and shadow queries compared, by verdict")
                .tags("group", comparison.group(), "verdict", comparison.verdict().label())
                .register(registry)
                .increment();
        for (String difference : comparison.differences()) {
            Counter.builder("switchboard.shadow.mismatches")
                    .description("Comparisons that found a difference, by what differed: outcome, row_count or checksum")
                    .tags("group", comparison.group(), "difference", difference)
                    .register(registry)
                    .increment();
        }
        comparison.durationRatio().ifPresent(ratio -> DistributionSummary.builder("switchboard.shadow.duration.ratio")
                .description("The shadow query's duration over the primary's, for queries that finished on both")
                .tags("group", comparison.group())
                .serviceLevelObjectives(RATIO_BUCKETS)
                .register(registry)
                .record(ratio));
    }
}
