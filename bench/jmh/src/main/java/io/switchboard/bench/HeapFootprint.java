package io.switchboard.bench;

import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;
import io.switchboard.routing.LoadTracker;
import io.switchboard.routing.QueryAffinity;
import io.switchboard.routing.QueryHistory;

import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.openjdk.jol.info.GraphLayout;

/**
 * Heap retained by the gateway's per-query memory when each structure holds a million queries: the query map
 * ({@link QueryAffinity}), the recent-query list ({@link QueryHistory}) and the in-flight tracker ({@link LoadTracker}).
 *
 * <p>Entries are shaped as the proxy makes them: Trino query ids, user and source strings copied from each request's
 * headers (one string per request, as header decoding makes them), shared cluster and group names, a fresh
 * {@link Instant} per event, and terminal states parsed from the last response. The combined rows share ids and
 * strings between the structures exactly as {@code ProxyExchange.onSummary} does.
 *
 * <p>Sizes come from JOL's {@link GraphLayout} (every object reachable from the structure, minus an empty structure of
 * the same settings), cross-checked by the used heap after full collections before and after filling. Run with a
 * heap large enough for a few million objects, such as {@code -Xmx3g}.
 */
public final class HeapFootprint
{
    private static final long MIB = 1024 * 1024;
    private static final double TARGET_MIB = 200;
    private static final ClusterId[] CLUSTERS = {ClusterId.of("trino-adhoc-1"), ClusterId.of("trino-adhoc-2"), ClusterId.of("trino-etl-1"), ClusterId.of("trino-bi-1")};
    private static final String[] COORDINATORS = {"k3m9q", "a7x2p", "zz81c", "p0w4e"};
    private static final String[] GROUPS = {"adhoc", "adhoc", "etl", "bi"};
    private static final String[] SOURCES = {"trino-cli", "trino-jdbc", "airflow-etl", "superset", "tableau", "dbt", "jupyter", "looker", "metabase",
            "ab-testing-portal", "finance-portal", "spark-connector", "presto-go-client", "trino-python-client", "datagrip"};
    private static final int USERS = 2_000;
    private static final DateTimeFormatter ID_TIME = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss", Locale.ROOT).withZone(ZoneOffset.UTC);
    private static final Instant START = Instant.parse("2026-11-26T10:15:30Z");

    private final int entries;
    private final boolean jol;
    private final boolean detail;
    private final List<String> targetLines = new ArrayList<>();

    private HeapFootprint(int entries, boolean jol, boolean detail)
    {
        this.entries = entries;
        this.jol = jol;
        this.detail = detail;
    }

    public static void main(String[] args)
            throws Exception
    {
        int entries = 1_000_000;
        boolean jol = true;
        boolean detail = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--entries" -> entries = Integer.parseInt(args[++i].replace("_", "").replace(",", ""));
                case "--no-jol" -> jol = false;
                case "--detail" -> detail = true;
                default -> {
                    System.err.println("usage: HeapFootprint [--entries N] [--no-jol] [--detail]");
                    System.exit(2);
                }
            }
        }
        new HeapFootprint(entries, jol, detail).run();
    }

    /** One request's worth of what the proxy holds on to: built fresh per query, as the proxy builds it. */
    private record Query(QueryId id, String user, String source, ClusterId cluster, String group, Instant submitted)
    {
        static Query number(int n)
        {
            // Trino ids: yyyyMMdd_HHmmss_<5-digit counter>_<coordinator>, one counter per coordinator
            Instant submitted = START.plusMillis(n * 37L);
            int cluster = n % CLUSTERS.length;
            String id = ID_TIME.format(submitted) + String.format(Locale.ROOT, "_%05d_%s", (n / CLUSTERS.length) % 100_000, COORDINATORS[cluster]);
            return new Query(
                    QueryId.of(id),
                    new String("user_" + (n * 7919 % USERS)),
                    new String(SOURCES[n % SOURCES.length]),
                    CLUSTERS[cluster],
                    GROUPS[cluster],
                    submitted);
        }
    }

    private void run()
            throws InterruptedException
    {
        System.out.printf(Locale.ROOT, "== Heap footprint: %,d entries per structure; JVM %s, max heap %d MiB, %s%n",
                entries, System.getProperty("java.vm.version"), Runtime.getRuntime().maxMemory() / MIB,
                jol ? "sizes by JOL GraphLayout, cross-checked by used heap after full GC" : "sizes by used heap after full GC (JOL off)");
        System.out.printf(Locale.ROOT, "%-58s %10s %12s %13s%n", "structure", "MiB", "bytes/entry", "GC-delta MiB");

        measure("QueryAffinity: query -> cluster + source (query map)",
                () -> new QueryAffinity(entries, entries, Duration.ofHours(6)),
                affinity -> query -> affinity.recordQuery(query.id(), query.cluster(), query.source()),
                false);
        measure("QueryHistory: recent queries (admin list)",
                () -> new QueryHistory(entries),
                history -> query -> record(history, query),
                false);
        double trackerBytes = measure("LoadTracker: queries in flight",
                () -> new LoadTracker(Duration.ofMinutes(10), entries),
                tracker -> query -> tracker.started(query.id(), query.cluster()),
                false);
        targetLines.add(String.format(Locale.ROOT, "INFO\tLoadTracker with %,d queries in flight\t%.1f MiB heap (%.0f B/entry)\treported (no target)\t-",
                entries, trackerBytes / MIB, trackerBytes / entries));
        measure("QueryAffinity + QueryHistory, sharing ids and strings",
                () -> new Object[] {new QueryAffinity(entries, entries, Duration.ofHours(6)), new QueryHistory(entries)},
                both -> query -> {
                    ((QueryAffinity) both[0]).recordQuery(query.id(), query.cluster(), query.source());
                    record((QueryHistory) both[1], query);
                },
                true);
        measure("all three, sharing ids and strings",
                () -> new Object[] {new QueryAffinity(entries, entries, Duration.ofHours(6)), new QueryHistory(entries), new LoadTracker(Duration.ofMinutes(10), entries)},
                all -> query -> {
                    ((QueryAffinity) all[0]).recordQuery(query.id(), query.cluster(), query.source());
                    record((QueryHistory) all[1], query);
                    ((LoadTracker) all[2]).started(query.id(), query.cluster());
                },
                false);
        System.out.println();
        for (String line : targetLines) {
            System.out.println(line);
        }
    }

    /** What the proxy records for a query: submitted, and for all but the most recent few percent, ended. */
    private void record(QueryHistory history, Query query)
    {
        history.submitted(query.id().value(), query.user(), query.source(), query.cluster().value(), query.group(), query.submitted());
        int n = history.size();
        if (n < entries * 97L / 100) {
            boolean failed = n % 50 == 0;
            // states and error names come from the response's JSON: a new string per response
            history.ended(query.id().value(), new String(failed ? "FAILED" : "FINISHED"), failed ? new String("EXCEEDED_TIME_LIMIT") : null,
                    1_000 + n % 60_000, query.submitted().plusMillis(1_000 + n % 60_000));
        }
    }

    private interface Filler<T>
    {
        Consumer<Query> into(T structure);
    }

    /** Fills a new structure, prints its size and returns it in bytes. */
    private <T> double measure(String name, Supplier<T> create, Filler<T> filler, boolean target)
            throws InterruptedException
    {
        T empty = create.get();
        long before = usedAfterGc();
        T structure = create.get();
        Consumer<Query> add = filler.into(structure);
        for (int n = 0; n < entries; n++) {
            add.accept(Query.number(n));
        }
        settle(structure);
        long gcDelta = usedAfterGc() - before;
        long size = gcDelta;
        String method = "GC delta";
        String footprint = null;
        if (jol) {
            try {
                size = graphSize(structure) - graphSize(empty);
                method = "JOL";
                if (detail) {
                    footprint = layout(structure).toFootprint();
                }
            }
            catch (RuntimeException | LinkageError e) {
                System.out.println("   (JOL could not walk the graph on this JVM, falling back to the GC delta: " + e + ")");
            }
        }
        double mib = (double) size / MIB;
        System.out.printf(Locale.ROOT, "%-58s %10.1f %12.1f %13.1f%n", name, mib, (double) size / entries, (double) gcDelta / MIB);
        if (footprint != null) {
            // the classes that hold most of it, largest first
            footprint.lines()
                    .filter(line -> line.matches("\\s*\\d+\\s+\\d+\\s+\\d+\\s+\\S+.*"))
                    .sorted(java.util.Comparator.comparingLong((String line) -> Long.parseLong(line.trim().split("\\s+")[2])).reversed())
                    .limit(12)
                    .forEach(line -> System.out.println("      " + line.trim()));
        }
        if (target) {
            boolean pass = mib <= TARGET_MIB && entries >= 1_000_000;
            String verdict = entries >= 1_000_000 ? (pass ? "PASS" : "FAIL") : "SMOKE";
            String measured = entries >= 1_000_000
                    ? String.format(Locale.ROOT, "%.1f MiB heap (%s, %.0f B/entry)", mib, method, (double) size / entries)
                    : String.format(Locale.ROOT, "%.1f MiB at %,d entries (%s, %.0f B/entry: ~%.0f MiB at 1M)", mib, entries, method,
                            (double) size / entries, (double) size / entries * 1_000_000 / MIB);
            targetLines.add(String.format(Locale.ROOT, "TARGET\t%,d entries in the recent-query map / ring buffer\t%s\t<= %.0f MiB heap\t%s",
                    1_000_000, measured, TARGET_MIB, verdict));
        }
        // both stay reachable until measured: a collection must not take them early
        Reference.reachabilityFence(structure);
        Reference.reachabilityFence(empty);
        return size;
    }

    /** Lets Caffeine finish its pending maintenance (buffered writes, sketch sizing), which runs on another thread. */
    private static void settle(Object structure)
            throws InterruptedException
    {
        if (structure instanceof LoadTracker tracker) {
            tracker.expireIdle();
        }
        if (structure instanceof Object[] parts) {
            for (Object part : parts) {
                settle(part);
            }
        }
        Thread.sleep(200);
    }

    private static long graphSize(Object root)
    {
        return layout(root).totalSize();
    }

    private static GraphLayout layout(Object root)
    {
        Object[] roots = root instanceof Object[] parts ? parts : new Object[] {root};
        return GraphLayout.parseInstance(roots);
    }

    private static long usedAfterGc()
            throws InterruptedException
    {
        long used = Long.MAX_VALUE;
        for (int i = 0; i < 5; i++) {
            System.gc();
            Thread.sleep(100);
            used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
        }
        return used;
    }
}
