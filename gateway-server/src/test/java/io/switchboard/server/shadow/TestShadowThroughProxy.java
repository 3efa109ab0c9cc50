package io.switchboard.server.shadow;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;
import io.switchboard.server.proxy.FakeTrino;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Shadow mirroring through the proxy, against hand-written fake clusters: what the client, the shadow and the report see. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestShadowThroughProxy
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private FakeTrino primary;
    private FakeTrino twin;
    private FakeTrino other;
    private GatewayServer gateway;
    private String proxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start()
            throws Exception
    {
        // the fakes answer rows that name them: two fakes with the same name answer the same rows
        primary = new FakeTrino("twin");
        twin = new FakeTrino("twin");
        other = new FakeTrino("other");
        GatewayConfig config = new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0"}
                admin: {listen: "127.0.0.1:0", token: shadow-test-admin-token}
                health: {interval: 200ms}
                routing:
                  default-group: adhoc
                  rules:
                    - {name: bi, match: {source: bi}, group: bi}
                  groups:
                    adhoc: {shadow: {cluster: twin-shadow, sample-percent: 100}}
                    bi: {shadow: {cluster: other-shadow, statement-kinds: [select]}}
                clusters:
                  - {id: primary, uri: "%s", routing-group: adhoc, load-probe: none}
                  - {id: bi-primary, uri: "%s", routing-group: bi, load-probe: none}
                  - {id: twin-shadow, uri: "%s", routing-group: adhoc, load-probe: none, shadow: true}
                  - {id: other-shadow, uri: "%s", routing-group: bi, load-probe: none, shadow: true}
                """.formatted(primary.uri(), primary.uri(), twin.uri(), other.uri()).getBytes(UTF_8), "test");
        gateway = new GatewayServer(config, Map.of());
        gateway.start();
        proxy = "http://127.0.0.1:" + gateway.proxyAddress().getPort();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !admin("/v1/gateway/health").contains("\"healthyClusters\":4")) {
            Thread.sleep(50);
        }
    }

    @AfterAll
    void stop()
            throws InterruptedException
    {
        gateway.close();
        primary.close();
        twin.close();
        other.close();
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void aMirroredQueryMatchesItsShadowWhileTheClientSeesOnlyThePrimary()
            throws Exception
    {
        List<JsonNode> pages = runQuery("SELECT 'mirrored'", Map.of("X-Trino-User", "alice", "X-Trino-Catalog", "tpch", "X-Trino-Session", "a=b"));
        String queryId = pages.get(0).get("id").asText();

        JsonNode comparison = awaitComparison(entry -> entry.at("/primary/queryId").asText().equals(queryId));

        assertThat(pages).allSatisfy(page -> assertThat(page.get("infoUri").asText()).startsWith(proxy + "/sb/primary~"));
        assertThat(pages.get(1).at("/data/0/1").asText()).isEqualTo("twin");
        assertThat(comparison.get("verdict").asText()).isEqualTo("MATCH");
        assertThat(comparison.at("/primary/cluster").asText()).isEqualTo("primary");
        assertThat(comparison.at("/shadow/cluster").asText()).isEqualTo("twin-shadow");
        assertThat(comparison.at("/shadow/queryId").asText()).endsWith("_twin");
        assertThat(comparison.at("/primary/rows").asLong()).isEqualTo(1);
        assertThat(comparison.at("/shadow/checksum").asText()).isEqualTo(comparison.at("/primary/checksum").asText()).hasSize(16);
        FakeTrino.Seen mirrored = twin.seen().stream().filter(seen -> seen.body().equals("SELECT 'mirrored'")).findFirst().orElseThrow();
        assertThat(mirrored.headers()).containsEntry("X-trino-user", List.of("alice")).containsEntry("X-trino-catalog", List.of("tpch"))
                .containsEntry("X-trino-session", List.of("a=b"));
        assertThat(admin("/metrics")).containsPattern("switchboard_shadow_comparisons_total\\{group=\"adhoc\",verdict=\"match\"} [1-9]")
                .containsPattern("switchboard_shadow_queries_total\\{cluster=\"twin-shadow\",group=\"adhoc\",outcome=\"finished\"} [1-9]")
                .contains("switchboard_shadow_duration_ratio_bucket{group=\"adhoc\",le=\"1.0\"}")
                .contains("switchboard_shadow_active_comparisons ")
                .contains("switchboard_shadow_held_bytes ");
    }

    @Test
    void aShadowThatAnswersOtherRowsIsAMismatchWithQueryIdsOnBothSides()
            throws Exception
    {
        List<JsonNode> pages = runQuery("SELECT 'compared'", Map.of("X-Trino-User", "bob", "X-Trino-Source", "bi"));
        String queryId = pages.get(0).get("id").asText();

        JsonNode report = awaitReport(body -> body.get("mismatches").findValuesAsText("queryId").contains(queryId));

        JsonNode mismatch = report.get("mismatches").get(0);
        assertThat(pages.get(pages.size() - 1).at("/stats/state").asText()).isEqualTo("FINISHED");
        assertThat(mismatch.get("differences")).extracting(JsonNode::asText).containsExactly("checksum");
        assertThat(mismatch.at("/primary/queryId").asText()).isEqualTo(queryId);
        assertThat(mismatch.at("/shadow/queryId").asText()).endsWith("_other");
        assertThat(mismatch.get("user").asText()).isEqualTo("bob");
        assertThat(admin("/metrics")).containsPattern("switchboard_shadow_mismatches_total\\{difference=\"checksum\",group=\"bi\"} [1-9]");
    }

    @Test
    void writesAndStatementKindsNotAllowedAreNeverMirrored()
            throws Exception
    {
        runQuery("INSERT INTO t VALUES 1", Map.of("X-Trino-User", "carol"));
        runQuery("SHOW CATALOGS", Map.of("X-Trino-User", "carol", "X-Trino-Source", "bi"));

        awaitReport(body -> body.at("/skipped/statement").asLong() >= 2);
        assertThat(twin.seen()).noneMatch(seen -> seen.body().startsWith("INSERT"));
        assertThat(other.seen()).noneMatch(seen -> seen.body().startsWith("SHOW"));
        assertThat(admin("/metrics")).containsPattern("switchboard_shadow_skipped_total\\{group=\"adhoc\",reason=\"statement\"} [1-9]");
    }

    @Test
    void pagesAreNumberedByTheTokenOfTheirPath()
    {
        assertThat(ShadowTap.token("/v1/statement/executing/20261126_000000_00001_twin/y2/7")).isEqualTo(7);
        assertThat(ShadowTap.token("/v1/statement/queued/20261126_000000_00001_twin/y1/1")).isEqualTo(-1);
        assertThat(ShadowTap.token("/v1/statement/executing/20261126_000000_00001_twin/y2/x")).isEqualTo(-1);
    }

    private JsonNode awaitComparison(Predicate<JsonNode> wanted)
            throws Exception
    {
        JsonNode report = awaitReport(body -> {
            for (JsonNode entry : body.get("recent")) {
                if (wanted.test(entry)) {
                    return true;
                }
            }
            return false;
        });
        for (JsonNode entry : report.get("recent")) {
            if (wanted.test(entry)) {
                return entry;
            }
        }
        throw new AssertionError("unreachable");
    }

    private JsonNode awaitReport(Predicate<JsonNode> wanted)
            throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        JsonNode report = JSON.readTree(admin("/v1/gateway/shadow/report"));
        while (!wanted.test(report)) {
            assertThat(System.nanoTime()).as("the report within 10 s; last: %s", report).isLessThan(deadline);
            Thread.sleep(50);
            report = JSON.readTree(admin("/v1/gateway/shadow/report"));
        }
        return report;
    }

    private List<JsonNode> runQuery(String sql, Map<String, String> headers)
            throws Exception
    {
        List<JsonNode> pages = new ArrayList<>();
        HttpRequest.Builder submit = HttpRequest.newBuilder(URI.create(proxy + "/v1/statement")).POST(HttpRequest.BodyPublishers.ofString(sql));
        headers.forEach(submit::header);
        HttpResponse<String> response = http.send(submit.build(), HttpResponse.BodyHandlers.ofString());
        while (true) {
            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode page = JSON.readTree(response.body());
            pages.add(page);
            if (!page.hasNonNull("nextUri")) {
                return pages;
            }
            HttpRequest.Builder next = HttpRequest.newBuilder(URI.create(page.get("nextUri").asText()));
            headers.forEach(next::header);
            response = http.send(next.build(), HttpResponse.BodyHandlers.ofString());
        }
    }

    private String admin(String path)
            throws Exception
    {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path)).header("Authorization", "Bearer shadow-test-admin-token").build(),
                HttpResponse.BodyHandlers.ofString()).body();
    }
}
