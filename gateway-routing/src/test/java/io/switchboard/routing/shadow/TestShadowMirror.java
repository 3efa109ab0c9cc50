package io.switchboard.routing.shadow;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.HealthState;
import io.switchboard.core.LoadProbeKind;
import io.switchboard.core.QueryId;
import io.switchboard.core.ReadOnlyStatement;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.protocol.StatementResponseRewriter;
import io.switchboard.core.protocol.StatementSummary;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.shadow.Comparison.Verdict;
import io.switchboard.routing.shadow.ShadowMirror.Decision;
import io.switchboard.routing.shadow.SideResult.Outcome;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

final class TestShadowMirror
{
    private static final JsonFactory JSON = new JsonFactory();
    private static final RoutingGroup ADHOC = RoutingGroup.of("adhoc");
    private static final ClusterId PRIMARY = ClusterId.of("trino-a");
    private static final ClusterId SHADOW = ClusterId.of("trino-next");
    private static final ShadowGroup MIRROR_ALL = new ShadowGroup(ADHOC, SHADOW, 100, EnumSet.allOf(ReadOnlyStatement.class));
    private static final List<ShadowRequest.Header> HEADERS = List.of(
            new ShadowRequest.Header("X-Trino-User", "alice"),
            new ShadowRequest.Header("X-Trino-Catalog", "tpch"),
            new ShadowRequest.Header("X-Trino-Schema", "tiny"),
            new ShadowRequest.Header("X-Trino-Session", "query_max_run_time=1h"),
            new ShadowRequest.Header("X-Trino-Prepared-Statement", "q1=SELECT+1"),
            new ShadowRequest.Header("Accept-Encoding", "gzip"),
            new ShadowRequest.Header("X-Trino-Query-Data-Encoding", "json+zstd"));
    private static final AtomicInteger QUERY_NUMBER = new AtomicInteger();

    private final ExecutorService executor = Executors.newFixedThreadPool(2);
    private final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
    private final Queue<Comparison> comparisons = new ConcurrentLinkedQueue<>();
    private final Queue<String> drops = new ConcurrentLinkedQueue<>();
    private FakeShadowTrino shadow;
    private ClusterRegistry registry;
    private ShadowMirror mirror;

    @BeforeEach
    void start()
            throws IOException
    {
        shadow = new FakeShadowTrino();
        registry = new ClusterRegistry(List.of(
                Cluster.of(PRIMARY, URI.create("http://127.0.0.1:1"), ADHOC),
                new Cluster(SHADOW, URI.create(shadow.uri()), ADHOC, false, 1, 100, LoadProbeKind.NONE, true)));
        markShadow(HealthState.HEALTHY);
        mirror = mirror(new ShadowLimits(4, 1024 * 1024, 1024 * 1024, Duration.ofMinutes(1), Duration.ofSeconds(10), 50));
    }

    @AfterEach
    void stop()
    {
        mirror.close();
        shadow.close();
        executor.shutdownNow();
        scheduler.shutdownNow();
    }

    @Test
    void aSampledSelectRunsOnTheShadowWithTheClientsSessionHeaders()
            throws Exception
    {
        QueryId primary = nextQueryId();

        assertThat(mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT n, s FROM t", HEADERS)).isEqualTo(Decision.MIRRORED);
        primaryPages(primary, List.of("[3,\"c\"],[1,\"a\"]", "[2,\"b\"]"));

        Comparison comparison = awaitComparison();
        FakeShadowTrino.Seen submitted = shadow.seen("POST").get(0);
        assertThat(submitted.body()).isEqualTo("SELECT n, s FROM t");
        assertThat(submitted.headers()).containsEntry("X-trino-user", List.of("alice"))
                .containsEntry("X-trino-catalog", List.of("tpch"))
                .containsEntry("X-trino-schema", List.of("tiny"))
                .containsEntry("X-trino-session", List.of("query_max_run_time=1h"))
                .containsEntry("X-trino-prepared-statement", List.of("q1=SELECT+1"))
                .doesNotContainKey("Accept-encoding")
                .doesNotContainKey("X-trino-query-data-encoding");
        assertThat(comparison.verdict()).isEqualTo(Verdict.MATCH);
        assertThat(comparison.primary().queryId()).isEqualTo(primary.value());
        assertThat(comparison.shadow().queryId()).endsWith("_shadw");
        assertThat(comparison.shadow().cluster()).isEqualTo("trino-next");
        assertThat(comparison.primary().rows()).isEqualTo(3);
        assertThat(comparison.shadow().rows()).isEqualTo(3);
        assertThat(comparison.shadow().checksumHex()).isEqualTo(comparison.primary().checksumHex());
        assertThat(comparison.durationRatio()).contains(2.0);
        assertThat(mirror.report(10).matched()).isEqualTo(1);
        assertThat(mirror.active()).isZero();
        assertThat(mirror.heldBytes()).isZero();
    }

    @Test
    void aQueryThatFailsOnlyOnTheShadowIsAMismatchOfOutcome()
            throws Exception
    {
        shadow.script("SELECT * FROM memory.default.t", new FakeShadowTrino.Script(List.of(), "CATALOG_NOT_FOUND", 0));
        QueryId primary = nextQueryId();

        mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT * FROM memory.default.t", HEADERS);
        primaryPages(primary, List.of("[1,\"a\"]"));

        Comparison comparison = awaitComparison();
        assertThat(comparison.verdict()).isEqualTo(Verdict.MISMATCH);
        assertThat(comparison.differences()).containsExactly(Comparison.OUTCOME);
        assertThat(comparison.shadow().outcome()).isEqualTo(Outcome.FAILED);
        assertThat(comparison.shadow().errorName()).isEqualTo("CATALOG_NOT_FOUND");
        ShadowReport.Snapshot report = mirror.report(10);
        assertThat(report.mismatches()).hasSize(1);
        assertThat(report.mismatches().get(0).primary().queryId()).isEqualTo(primary.value());
        assertThat(report.mismatches().get(0).shadow().queryId()).isNotNull();
    }

    @Test
    void otherRowsAreAMismatchOfRowCountAndChecksum()
            throws Exception
    {
        QueryId primary = nextQueryId();

        mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT n, s FROM t", HEADERS);
        primaryPages(primary, List.of("[1,\"a\"],[2,\"b\"]"));

        Comparison comparison = awaitComparison();
        assertThat(comparison.verdict()).isEqualTo(Verdict.MISMATCH);
        assertThat(comparison.differences()).containsExactly(Comparison.ROW_COUNT, Comparison.CHECKSUM);
    }

    @Test
    void writesTransactionsAndKindsNotAllowedAreNeverMirrored()
    {
        ShadowGroup selectsOnly = new ShadowGroup(ADHOC, SHADOW, 100, EnumSet.of(ReadOnlyStatement.SELECT));
        List<ShadowRequest.Header> inTransaction = List.of(new ShadowRequest.Header("X-Trino-User", "alice"), new ShadowRequest.Header("X-Trino-Transaction-Id", "tx-1"));
        List<ShadowRequest.Header> preparedInsert = List.of(new ShadowRequest.Header("X-Trino-Prepared-Statement", "w=INSERT+INTO+t+VALUES+1"));

        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "INSERT INTO t SELECT 1", HEADERS)).isEqualTo(Decision.SKIPPED_STATEMENT);
        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "CREATE TABLE t AS SELECT 1", HEADERS)).isEqualTo(Decision.SKIPPED_STATEMENT);
        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "CALL system.flush()", HEADERS)).isEqualTo(Decision.SKIPPED_STATEMENT);
        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "EXECUTE w", preparedInsert)).isEqualTo(Decision.SKIPPED_STATEMENT);
        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "SELECT 1", inTransaction)).isEqualTo(Decision.SKIPPED_TRANSACTION);
        assertThat(mirror.offer(selectsOnly, nextQueryId(), PRIMARY, "SHOW CATALOGS", HEADERS)).isEqualTo(Decision.SKIPPED_STATEMENT);

        assertThat(shadow.seen()).isEmpty();
        assertThat(mirror.report(10).skipped()).containsEntry("statement", 5L).containsEntry("transaction", 1L);
        assertThat(mirror.active()).isZero();
    }

    @Test
    void aShadowClusterThatIsNotHealthyIsSkipped()
    {
        markShadow(HealthState.UNHEALTHY);

        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "SELECT 1", HEADERS)).isEqualTo(Decision.DROPPED_UNHEALTHY);

        assertThat(shadow.seen()).isEmpty();
        assertThat(drops).containsExactly("unhealthy");
    }

    @Test
    void overTheConcurrencyLimitSamplesAreDroppedAndCounted()
            throws Exception
    {
        mirror.close();
        mirror = mirror(new ShadowLimits(1, 1024 * 1024, 1024 * 1024, Duration.ofMinutes(1), Duration.ofSeconds(10), 50));
        QueryId first = nextQueryId();

        assertThat(mirror.offer(MIRROR_ALL, first, PRIMARY, "SELECT n, s FROM t", HEADERS)).isEqualTo(Decision.MIRRORED);
        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "SELECT n, s FROM t", HEADERS)).isEqualTo(Decision.DROPPED_CONCURRENCY);
        primaryPages(first, List.of("[1,\"a\"],[2,\"b\"],[3,\"c\"]"));
        awaitComparison();

        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "SELECT n, s FROM t", HEADERS)).as("once the first comparison ended").isEqualTo(Decision.MIRRORED);
        assertThat(mirror.report(10).dropped()).containsEntry("concurrency", 1L);
    }

    @Test
    void overTheByteLimitSamplesAreDroppedAndCounted()
    {
        mirror.close();
        mirror = mirror(new ShadowLimits(4, 200, 1024 * 1024, Duration.ofMinutes(1), Duration.ofSeconds(10), 50));

        assertThat(mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "SELECT '" + "x".repeat(300) + "'", HEADERS)).isEqualTo(Decision.DROPPED_BYTES);

        assertThat(shadow.seen()).isEmpty();
        assertThat(mirror.active()).isZero();
        assertThat(mirror.heldBytes()).isZero();
    }

    @Test
    void aCancelledPrimaryCancelsItsShadowAndIsNotCompared()
            throws Exception
    {
        shadow.script("SELECT slow", new FakeShadowTrino.Script(List.of("[1]", "[2]", "[3]", "[4]", "[5]"), null, 300));
        QueryId primary = nextQueryId();
        mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT slow", HEADERS);
        awaitSeen("GET");

        mirror.primaryEnded(primary, new StatementSummary(primary.value(), "FAILED", false, "USER_CANCELED", "USER_ERROR", "Query was canceled", null, -1));

        Comparison comparison = awaitComparison();
        assertThat(comparison.verdict()).isEqualTo(Verdict.NOT_COMPARED);
        assertThat(comparison.primary().outcome()).isEqualTo(Outcome.CANCELLED);
        assertThat(comparison.shadow().outcome()).isEqualTo(Outcome.CANCELLED);
        awaitSeen("DELETE");
    }

    @Test
    void aPageFetchedAgainIsCountedOnce()
            throws Exception
    {
        QueryId primary = nextQueryId();
        mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT n, s FROM t", HEADERS);

        primaryPage(primary, 0, "[1,\"a\"],[2,\"b\"]", false);
        primaryPage(primary, 0, "[1,\"a\"],[2,\"b\"]", false);
        primaryPage(primary, 1, "[3,\"c\"]", false);
        primaryPage(primary, 2, null, true);

        Comparison comparison = awaitComparison();
        assertThat(comparison.primary().rows()).isEqualTo(3);
        assertThat(comparison.verdict()).isEqualTo(Verdict.MATCH);
    }

    @Test
    void aPageWhoseRowsCouldNotBeCountedLeavesTheRowsOutOfTheComparison()
            throws Exception
    {
        QueryId primary = nextQueryId();
        mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT n, s FROM t", HEADERS);

        mirror.page(primary, 0).completedUncounted(new StatementSummary(primary.value(), "RUNNING", true, null, null, null, null, -1));
        primaryPage(primary, 1, null, true);

        Comparison comparison = awaitComparison();
        assertThat(comparison.primary().rowsKnown()).isFalse();
        assertThat(comparison.primary().checksumHex()).isNull();
        assertThat(comparison.verdict()).isEqualTo(Verdict.MATCH);
    }

    @Test
    void aShadowResultOverTheLimitIsCancelled()
            throws Exception
    {
        mirror.close();
        mirror = mirror(new ShadowLimits(4, 1024 * 1024, 300, Duration.ofMinutes(1), Duration.ofSeconds(10), 50));
        String rows = String.join(",", java.util.Collections.nCopies(50, "[1,\"aaaaaaaaaa\"]"));
        shadow.script("SELECT big", new FakeShadowTrino.Script(List.of(rows, rows), null, 0));
        QueryId primary = nextQueryId();

        mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT big", HEADERS);
        primaryPages(primary, List.of(rows, rows));

        Comparison comparison = awaitComparison();
        assertThat(comparison.shadow().outcome()).isEqualTo(Outcome.TOO_LARGE);
        assertThat(comparison.verdict()).isEqualTo(Verdict.NOT_COMPARED);
        awaitSeen("DELETE");
    }

    @Test
    void anUnreachableShadowIsAnErrorWhileThePrimaryIsUntouched()
            throws Exception
    {
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        registry.replaceClusters(List.of(
                Cluster.of(PRIMARY, URI.create("http://127.0.0.1:1"), ADHOC),
                new Cluster(SHADOW, URI.create("http://127.0.0.1:" + deadPort), ADHOC, false, 1, 100, LoadProbeKind.NONE, true)), id -> io.switchboard.core.AdminState.ACTIVE);
        markShadow(HealthState.HEALTHY);
        QueryId primary = nextQueryId();

        mirror.offer(MIRROR_ALL, primary, PRIMARY, "SELECT n, s FROM t", HEADERS);
        primaryPages(primary, List.of("[1,\"a\"]"));

        Comparison comparison = awaitComparison();
        assertThat(comparison.shadow().outcome()).isEqualTo(Outcome.ERROR);
        assertThat(comparison.shadow().errorMessage()).isNotBlank();
        assertThat(comparison.primary().outcome()).isEqualTo(Outcome.FINISHED);
        assertThat(comparison.differences()).containsExactly(Comparison.OUTCOME);
    }

    @Test
    void aComparisonThatTakesTooLongEndsWithoutVerdict()
            throws Exception
    {
        mirror.close();
        mirror = mirror(new ShadowLimits(4, 1024 * 1024, 1024 * 1024, Duration.ofMillis(500), Duration.ofSeconds(10), 50));
        mirror.start(scheduler);
        shadow.script("SELECT slow", new FakeShadowTrino.Script(List.of("[1]", "[2]", "[3]", "[4]", "[5]", "[6]", "[7]", "[8]"), null, 400));

        mirror.offer(MIRROR_ALL, nextQueryId(), PRIMARY, "SELECT slow", HEADERS);

        Comparison comparison = awaitComparison();
        assertThat(comparison.verdict()).isEqualTo(Verdict.NOT_COMPARED);
        assertThat(comparison.primary().outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(comparison.shadow().outcome()).isEqualTo(Outcome.TIMEOUT);
        assertThat(mirror.active()).isZero();
    }

    @Test
    void samplingFollowsThePercentage()
    {
        ShadowMirror seeded = new ShadowMirror(registry, client(1024), new ShadowLimits(4, 1024, 1024, Duration.ofMinutes(1), Duration.ofSeconds(1), 10),
                Map.of(), ShadowMirror.Listener.NONE, Clock.systemUTC(), new SplittableRandom(7));
        ShadowGroup tenPercent = new ShadowGroup(ADHOC, SHADOW, 10, EnumSet.allOf(ReadOnlyStatement.class));
        ShadowGroup none = new ShadowGroup(ADHOC, SHADOW, 0, EnumSet.allOf(ReadOnlyStatement.class));
        int sampled = 0;
        for (int i = 0; i < 10_000; i++) {
            sampled += seeded.sampled(tenPercent) ? 1 : 0;
            assertThat(seeded.sampled(none)).isFalse();
            assertThat(seeded.sampled(MIRROR_ALL)).isTrue();
        }

        assertThat(sampled).isBetween(900, 1100);
    }

    @Test
    void groupsAreSwappedOnReconfiguration()
    {
        assertThat(mirror.group(ADHOC)).contains(MIRROR_ALL);

        mirror.reconfigure(Map.of());

        assertThat(mirror.group(ADHOC)).isEmpty();
    }

    private ShadowMirror mirror(ShadowLimits limits)
    {
        ShadowMirror.Listener listener = new ShadowMirror.Listener()
        {
            @Override
            public void dropped(String group, String reason)
            {
                drops.add(reason);
            }

            @Override
            public void compared(Comparison comparison)
            {
                comparisons.add(comparison);
            }
        };
        return new ShadowMirror(registry, client(limits.maxResultBytes()), limits, Map.of(ADHOC, MIRROR_ALL), listener, Clock.systemUTC(), new SplittableRandom(1));
    }

    private ShadowClient client(long maxResultBytes)
    {
        HttpClient http = HttpClient.newBuilder().executor(executor).version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
        return new ShadowClient(http, JSON, executor, Duration.ofSeconds(10), maxResultBytes);
    }

    private void markShadow(HealthState health)
    {
        registry.update(SHADOW, status -> status.withHealth(health, Instant.now(), Optional.empty()));
    }

    private static QueryId nextQueryId()
    {
        return QueryId.of("20261126_000000_%05d_prima".formatted(QUERY_NUMBER.incrementAndGet()));
    }

    /** The primary's pages as they pass through the proxy, then its final answer. */
    private void primaryPages(QueryId primary, List<String> pages)
            throws IOException
    {
        for (int i = 0; i < pages.size(); i++) {
            primaryPage(primary, i, pages.get(i), false);
        }
        primaryPage(primary, pages.size(), null, true);
    }

    private void primaryPage(QueryId primary, long token, String rows, boolean last)
            throws IOException
    {
        ShadowMirror.PrimaryPage page = mirror.page(primary, token);
        assertThat(page).as("page %s of %s is watched", token, primary).isNotNull();
        String json = "{\"id\":\"" + primary + "\""
                + (last ? "" : ",\"nextUri\":\"http://127.0.0.1:1/v1/statement/executing/" + primary + "/y/" + (token + 1) + "\"")
                + (rows == null ? "" : ",\"data\":[" + rows + "]")
                + ",\"stats\":{\"state\":\"" + (last ? "FINISHED" : "RUNNING") + "\",\"elapsedTimeMillis\":20}}";
        StatementResponseRewriter rewriter = new StatementResponseRewriter(JSON, UnaryOperator.identity(), page.rows());
        byte[] bytes = json.getBytes(UTF_8);
        List<byte[]> ignored = new ArrayList<>();
        StatementResponseRewriter.Sink sink = new StatementResponseRewriter.Sink()
        {
            @Override
            public void passThrough(int offset, int length) {}

            @Override
            public void write(byte[] written, int offset, int length)
            {
                ignored.add(written);
            }
        };
        rewriter.feed(bytes, 0, bytes.length, sink);
        page.completed(rewriter.finish(sink));
    }

    private Comparison awaitComparison()
            throws InterruptedException
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (comparisons.isEmpty()) {
            assertThat(System.nanoTime()).as("a comparison within 10 s").isLessThan(deadline);
            Thread.sleep(20);
        }
        return comparisons.poll();
    }

    private void awaitSeen(String method)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (shadow.seen(method).isEmpty()) {
            assertThat(System.nanoTime()).as("a %s within 10 s", method).isLessThan(deadline);
            Thread.sleep(20);
        }
    }
}
