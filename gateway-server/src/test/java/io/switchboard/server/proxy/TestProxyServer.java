package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestProxyServer
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_TOKEN = "proxy-test-admin-token";

    private FakeTrino alpha;
    private FakeTrino beta;
    private GatewayServer gateway;
    private String proxy;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start()
            throws Exception
    {
        alpha = new FakeTrino("alpha");
        beta = new FakeTrino("beta");
        int deadPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            deadPort = socket.getLocalPort();
        }
        GatewayConfig config = new ConfigLoader().parse("""
                server:
                  listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                  token: %s
                health:
                  interval: 200ms
                  unhealthy-threshold: 1
                routing:
                  default-group: adhoc
                  groups:
                    # tests here leave queries unfinished, which least-loaded would rightly avoid: take turns instead
                    adhoc: {policy: weighted-round-robin}
                clusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc}
                  - {id: beta, uri: "%s", routing-group: adhoc}
                  - {id: dead, uri: "http://127.0.0.1:%d", routing-group: lonely}
                """.formatted(ADMIN_TOKEN, alpha.uri(), beta.uri(), deadPort).getBytes(UTF_8), "test");
        gateway = new GatewayServer(config, Map.of());
        gateway.start();
        proxy = "http://127.0.0.1:" + gateway.proxyAddress().getPort();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !http.send(HttpRequest.newBuilder(adminUri("/v1/gateway/clusters")).header("Authorization", "Bearer " + ADMIN_TOKEN).build(),
                HttpResponse.BodyHandlers.ofString()).body().contains("\"healthy\":true,\"lastProbe\"")) {
            Thread.sleep(50);
        }
        Thread.sleep(500);
    }

    @AfterAll
    void stop()
            throws InterruptedException
    {
        gateway.close();
        alpha.close();
        beta.close();
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void everyUriPointsAtTheGatewayAndTheQueryCompletes()
            throws Exception
    {
        List<JsonNode> pages = runQuery("SELECT 1", Map.of("X-Trino-User", "alice"));

        for (JsonNode page : pages) {
            assertThat(page.get("infoUri").asText()).startsWith(proxy + "/sb/");
            if (page.has("nextUri")) {
                assertThat(page.get("nextUri").asText()).startsWith(proxy + "/sb/");
            }
        }
        assertThat(pages.get(pages.size() - 1).at("/stats/state").asText()).isEqualTo("FINISHED");
    }

    @Test
    void submissionsAreSpreadAndFollowUpsStayOnTheirCluster()
            throws Exception
    {
        Set<String> clusters = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            List<JsonNode> pages = runQuery("SELECT " + i, Map.of("X-Trino-User", "bob"));
            String cluster = pages.get(1).at("/data/0/1").asText();
            clusters.add(cluster);
            String id = pages.get(0).get("id").asText();
            assertThat(id).endsWith(cluster);
        }
        assertThat(clusters).containsExactlyInAnyOrder("alpha", "beta");
    }

    @Test
    void forwardingAndHopByHopHeadersAreNotForwardedButProtocolHeadersAre()
            throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(proxy + "/v1/statement"))
                .header("X-Presto-User", "carol")
                .header("X-Presto-Session", "a=b")
                .header("X-Forwarded-For", "10.0.0.1")
                .header("Forwarded", "for=10.0.0.1")
                .header("X-Trino-Client-Tags", "t1")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 'headers'"))
                .build(), HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(200);
        FakeTrino.Seen seen = lastStatement("SELECT 'headers'");
        assertThat(seen.headers()).containsKeys("X-presto-user", "X-presto-session", "X-trino-client-tags");
        assertThat(seen.headers()).doesNotContainKeys("X-forwarded-for", "Forwarded");
    }

    @Test
    void transactionsStickToTheClusterThatStartedThem()
            throws Exception
    {
        HttpResponse<String> started = http.send(statement("START TRANSACTION", Map.of("X-Trino-User", "dan", "X-Trino-Transaction-Id", "NONE")),
                HttpResponse.BodyHandlers.ofString());
        String tagged = started.headers().firstValue("X-Trino-Started-Transaction-Id").orElseThrow();
        String backendId = JSON.readTree(started.body()).get("id").asText();
        String owner = backendId.endsWith("alpha") ? "alpha" : "beta";

        for (int i = 0; i < 4; i++) {
            http.send(statement("SELECT 'in tx " + i + "'", Map.of("X-Trino-User", "dan", "X-Trino-Transaction-Id", tagged)), HttpResponse.BodyHandlers.ofString());
            FakeTrino.Seen seen = lastStatement("SELECT 'in tx " + i + "'");
            assertThat(seen.headers().get("X-trino-transaction-id")).containsExactly("tx-" + backendId);
            assertThat(owner.equals("alpha") ? alpha.seen() : beta.seen()).contains(seen);
        }
    }

    @Test
    void garbageAndForgedTokensGet404WithATrinoError()
            throws Exception
    {
        List<JsonNode> pages = runQueryPages("SELECT 'token'", 1);
        String next = pages.get(0).get("nextUri").asText();
        String forged = next.replaceFirst("/sb/([a-z]+)~", "/sb/$1~X");

        for (String uri : List.of(forged, proxy + "/sb/garbage/v1/statement/queued/x/y/1", proxy + "/sb/nope~abc/v1/statement/x")) {
            HttpResponse<String> response = get(URI.create(uri));
            assertThat(response.statusCode()).as(uri).isEqualTo(404);
            assertThat(JSON.readTree(response.body()).at("/error/message").asText()).contains("routing token");
        }
    }

    @Test
    void metricsCountTheQueriesAndTheGatewayOverhead()
            throws Exception
    {
        runQuery("SELECT 'metrics'", Map.of("X-Trino-User", "metered", "X-Trino-Source", "metrics-test"));

        String scrape = get(adminUri("/metrics")).body();

        assertThat(scrape).containsPattern("switchboard_queries_completed_total\\{cluster=\"(alpha|beta)\",error_type=\"none\",group=\"adhoc\",outcome=\"finished\",source=\"metrics-test\",user=\"metered\"} 1.0");
        assertThat(scrape).containsPattern("switchboard_proxy_overhead_seconds_count\\{direction=\"upstream\"} [1-9]");
        assertThat(scrape).contains("jvm_memory_used_bytes");
    }

    @Test
    void requestsNamingOnlyAQueryIdReachItsClusterFromTheMapOrByAskingEveryCluster()
            throws Exception
    {
        String id = runQueryPages("SELECT 'by id'", 1).get(0).get("id").asText();
        String owner = id.substring(id.lastIndexOf('_') + 1);

        JsonNode known = JSON.readTree(get(URI.create(proxy + "/v1/query/" + id)).body());
        assertThat(known.get("coordinator").asText()).isEqualTo(owner);

        GatewayConfig config = new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0"}
                admin: {listen: "127.0.0.1:0"}
                clusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                  - {id: beta, uri: "%s", routing-group: adhoc, load-probe: none}
                """.formatted(alpha.uri(), beta.uri()).getBytes(UTF_8), "test");
        try (GatewayServer fresh = new GatewayServer(config, Map.of())) {
            fresh.start();
            HttpResponse<String> located = get(URI.create("http://127.0.0.1:" + fresh.proxyAddress().getPort() + "/v1/query/" + id));
            assertThat(JSON.readTree(located.body()).get("coordinator").asText()).isEqualTo(owner);
            HttpResponse<String> unknown = get(URI.create("http://127.0.0.1:" + fresh.proxyAddress().getPort() + "/v1/query/20261126_000000_99999_nobody"));
            assertThat(unknown.statusCode()).isEqualTo(404);
            assertThat(JSON.readTree(unknown.body()).at("/error/errorName").asText()).isEqualTo("GATEWAY_QUERY_NOT_FOUND");
        }
    }

    @Test
    void unknownPathsGet404()
            throws Exception
    {
        HttpResponse<String> response = get(URI.create(proxy + "/nope"));

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(JSON.readTree(response.body()).at("/error/errorName").asText()).isEqualTo("GATEWAY_NOT_FOUND");
    }

    @Test
    void tokensDoNotOpenOtherPathsOrTraversal()
            throws Exception
    {
        String next = runQueryPages("SELECT 'traversal'", 1).get(0).get("nextUri").asText();
        String prefix = next.substring(0, next.indexOf("/v1/statement"));

        try (Socket socket = new Socket("127.0.0.1", gateway.proxyAddress().getPort())) {
            String path = URI.create(prefix).getRawPath() + "/v1/statement/../../v1/node";
            String response = exchange(socket, "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 404");
        }
        assertThat(get(URI.create(prefix + "/v1/node")).statusCode()).isEqualTo(404);
    }

    @Test
    void malformedRequestsGet400AndTheGatewayKeepsServing()
            throws Exception
    {
        try (Socket socket = new Socket("127.0.0.1", gateway.proxyAddress().getPort())) {
            String response = exchange(socket, "THIS IS NOT HTTP\r\n\r\n");
            assertThat(response).startsWith("HTTP/1.1 400");
        }
        assertThat(runQuery("SELECT 'after garbage'", Map.of("X-Trino-User", "eve"))).isNotEmpty();
    }

    @Test
    void aGroupWithoutHealthyClustersFailsTheQueryNamingTheGroup()
            throws Exception
    {
        GatewayConfig config = new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0"}
                admin: {listen: "127.0.0.1:0"}
                clusters:
                  - {id: dead, uri: "http://127.0.0.1:1", routing-group: lonely}
                """.getBytes(UTF_8), "test");
        try (GatewayServer lonely = new GatewayServer(config, Map.of())) {
            lonely.start();
            HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + lonely.proxyAddress().getPort() + "/v1/statement"))
                    .header("X-Trino-User", "frank")
                    .POST(HttpRequest.BodyPublishers.ofString("SELECT 1"))
                    .build(), HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode body = JSON.readTree(response.body());
            assertThat(body.at("/stats/state").asText()).isEqualTo("FAILED");
            assertThat(body.at("/error/message").asText()).contains("'lonely'");
            assertThat(body.at("/error/errorName").asText()).isEqualTo("NO_ELIGIBLE_CLUSTER");
        }
    }

    @Test
    void aBackendThatAnswersGarbageGivesAFailedQuery()
            throws Exception
    {
        alpha.override("/v1/statement/queued/garbage", "<html>definitely not json</html>");
        beta.override("/v1/statement/queued/garbage", "<html>definitely not json</html>");
        String next = runQueryPages("SELECT 'garbage'", 1).get(0).get("nextUri").asText();
        String garbage = next.substring(0, next.indexOf("/v1/statement")) + "/v1/statement/queued/garbage";

        HttpResponse<String> response = get(URI.create(garbage));

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).at("/error/errorName").asText()).isEqualTo("CLUSTER_BAD_RESPONSE");
    }

    private List<JsonNode> runQuery(String sql, Map<String, String> headers)
            throws Exception
    {
        List<JsonNode> pages = new ArrayList<>();
        HttpResponse<String> response = http.send(statement(sql, headers), HttpResponse.BodyHandlers.ofString());
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

    private List<JsonNode> runQueryPages(String sql, int count)
            throws Exception
    {
        List<JsonNode> pages = runQuery(sql, Map.of("X-Trino-User", "test"));
        return pages.subList(0, count);
    }

    private HttpRequest statement(String sql, Map<String, String> headers)
    {
        HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(proxy + "/v1/statement")).POST(HttpRequest.BodyPublishers.ofString(sql));
        headers.forEach(builder::header);
        return builder.build();
    }

    private FakeTrino.Seen lastStatement(String sql)
    {
        List<FakeTrino.Seen> all = new ArrayList<>(alpha.seen());
        all.addAll(beta.seen());
        return all.stream().filter(seen -> seen.body().equals(sql)).reduce((first, second) -> second).orElseThrow();
    }

    private HttpResponse<String> get(URI uri)
            throws IOException, InterruptedException
    {
        return http.send(HttpRequest.newBuilder(uri).header("X-Trino-User", "test").build(), HttpResponse.BodyHandlers.ofString());
    }

    private URI adminUri(String path)
    {
        return URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + path);
    }

    private static String exchange(Socket socket, String request)
            throws IOException
    {
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        out.write(request.getBytes(UTF_8));
        out.flush();
        InputStream in = socket.getInputStream();
        byte[] buffer = new byte[4096];
        int read = in.read(buffer);
        return read < 0 ? "" : new String(buffer, 0, read, UTF_8);
    }
}
