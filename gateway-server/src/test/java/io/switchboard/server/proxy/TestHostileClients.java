package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * What a hostile or broken client can send: each gets a 4xx or a closed connection, nothing reaches a cluster that
 * should not, and the gateway goes on serving others. Limits are set low here; the defaults are far above what a
 * Trino client sends.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestHostileClients
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_TOKEN = "hostile-test-admin-token";
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final int MAX_PIPELINED = 4;

    private FakeTrino alpha;
    private GatewayServer gateway;
    private int port;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeAll
    void start()
            throws Exception
    {
        alpha = new FakeTrino("alpha");
        GatewayConfig config = new ConfigLoader().parse("""
                server:
                  listen: 127.0.0.1:0
                  max-initial-line: 1KB
                  max-header-size: 2KB
                  max-request-body: 4KB
                  request-read-timeout: 1s
                  max-pipelined-requests: %d
                  io-threads: 1
                admin: {listen: "127.0.0.1:0", token: %s}
                health: {interval: 200ms}
                clusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                """.formatted(MAX_PIPELINED, ADMIN_TOKEN, alpha.uri()).getBytes(UTF_8), "test");
        gateway = new GatewayServer(config, Map.of());
        gateway.start();
        port = gateway.proxyAddress().getPort();
        awaitHealthy();
    }

    @AfterAll
    void stop()
            throws InterruptedException
    {
        gateway.close();
        alpha.close();
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @AfterEach
    void theGatewayStillServesOthers()
            throws Exception
    {
        HttpResponse<String> submitted = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/statement"))
                .header("X-Trino-User", "bystander")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 'bystander'"))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(200);
        assertThat(JSON.readTree(submitted.body()).at("/stats/state").asText()).isEqualTo("QUEUED");
        assertThat(alpha.seen()).as("requests the cluster saw").allSatisfy(seen -> assertThat(seen.target())
                .matches("/v1/(info|statement(/(queued|executing)/[0-9a-z_]+/y[0-9]/[0-9])?)")
                .doesNotContain("/v1/node"));
    }

    @Test
    void anOversizeRequestLineGets414()
            throws IOException
    {
        RawHttp.Reply reply = RawHttp.exchange(port, "GET /v1/info?" + "a".repeat(2000) + " HTTP/1.1\r\nHost: x\r\n\r\n", WAIT);

        assertThat(reply.status()).as(reply.text()).isEqualTo(414);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void oversizeHeadersGet431()
            throws IOException
    {
        RawHttp.Reply reply = RawHttp.exchange(port, "GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Big: " + "a".repeat(3000) + "\r\n\r\n", WAIT);

        assertThat(reply.status()).as(reply.text()).isEqualTo(431);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void anOversizeBodyGets413()
            throws IOException
    {
        String sql = "SELECT '" + "a".repeat(5000) + "'";
        RawHttp.Reply reply = RawHttp.exchange(port, "POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\nContent-Length: " + sql.length()
                + "\r\n\r\n" + sql, WAIT);

        assertThat(reply.status()).as(reply.text()).isEqualTo(413);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void aClientTricklingHeadersGets408AndIsClosed()
            throws IOException, InterruptedException
    {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            OutputStream out = socket.getOutputStream();
            out.write("GET /v1/info HTTP/1.1\r\nHost: x\r\n".getBytes(ISO_8859_1));
            RawHttp.Reply reply = null;
            // one header line every 200 ms for up to 10 s: each resets an idle timer, none completes the request
            for (int line = 0; line < 50; line++) {
                try {
                    out.write(("X-Slow-" + line + ": 1\r\n").getBytes(ISO_8859_1));
                    out.flush();
                }
                catch (SocketException e) {
                    break;
                }
                if (socket.getInputStream().available() > 0) {
                    break;
                }
                Thread.sleep(200);
            }
            reply = RawHttp.readUntilClosed(socket, WAIT);

            assertThat(reply.status()).as(reply.text()).isEqualTo(408);
            assertThat(reply.closed()).isTrue();
        }
    }

    @Test
    void aClientThatNeverSendsTheWholeBodyGets408()
            throws IOException
    {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.getOutputStream().write("POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\nContent-Length: 100\r\n\r\nSELECT".getBytes(ISO_8859_1));
            RawHttp.Reply reply = RawHttp.readUntilClosed(socket, WAIT);

            assertThat(reply.status()).as(reply.text()).isEqualTo(408);
            assertThat(reply.closed()).isTrue();
        }
    }

    @Test
    void aPipeliningFloodIsAnsweredInPartThenClosed()
            throws IOException
    {
        StringBuilder flood = new StringBuilder();
        for (int i = 0; i < 200; i++) {
            flood.append("GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Trino-User: flood\r\n\r\n");
        }

        RawHttp.Reply reply = RawHttp.exchange(port, flood.toString(), WAIT);

        assertThat(reply.closed()).isTrue();
        assertThat(reply.responses()).as(reply.text()).isBetween(1, MAX_PIPELINED + 1);
        assertThat(reply.status()).isEqualTo(200);
    }

    @Test
    void aClientThatHalfClosesAfterItsRequestsGetsEveryAnswerThenTheClose()
            throws IOException
    {
        for (int requests = 1; requests <= 3; requests++) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write("GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Trino-User: half\r\n\r\n".repeat(requests).getBytes(ISO_8859_1));
                socket.shutdownOutput();

                RawHttp.Reply reply = RawHttp.readUntilClosed(socket, WAIT);

                assertThat(reply.closed()).as("closed: " + reply.text()).isTrue();
                assertThat(reply.responses()).as(reply.text()).isEqualTo(requests);
                assertThat(reply.status()).isEqualTo(200);
            }
        }
    }

    @Test
    void aConnectionClosedHalfWayThroughARequestLeavesNothingBehind()
            throws IOException
    {
        for (String partial : List.of("GET /v1/inf", "POST /v1/statement HTTP/1.1\r\nHost: x\r\nContent-Length: 50\r\n\r\nSEL", "GET /v1/info HTTP/1.1\r\nHost")) {
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.getOutputStream().write(partial.getBytes(ISO_8859_1));
                socket.getOutputStream().flush();
            }
        }
    }

    @Test
    void invalidUtf8InTheRequestTargetGets400()
            throws IOException
    {
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes("GET /v1/query/".getBytes(ISO_8859_1));
        request.writeBytes(new byte[] {(byte) 0xff, (byte) 0xfe, (byte) 0xc3, 0x28});
        request.writeBytes(" HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(ISO_8859_1));

        RawHttp.Reply reply = RawHttp.exchange(port, request.toByteArray(), WAIT);

        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void invalidUtf8InHeadersAndSqlReachesTheClusterUnharmed()
            throws IOException
    {
        byte[] sql = {'S', 'E', 'L', 'E', 'C', 'T', ' ', '\'', (byte) 0xff, (byte) 0xc3, 0x28, '\''};
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.writeBytes("POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-User: ".getBytes(ISO_8859_1));
        request.writeBytes(new byte[] {(byte) 0xc3, 0x28, (byte) 0xa0});
        request.writeBytes(("\r\nContent-Length: " + sql.length + "\r\nConnection: close\r\n\r\n").getBytes(ISO_8859_1));
        request.writeBytes(sql);

        RawHttp.Reply reply = RawHttp.exchange(port, request.toByteArray(), WAIT);

        assertThat(reply.status()).as(reply.text()).isEqualTo(200);
        assertThat(reply.text()).contains("\"state\":\"QUEUED\"");
    }

    @Test
    void truncatedForgedAndEmptyRoutingTokensGet404()
            throws Exception
    {
        String next = submit("SELECT 'tokens'").get("nextUri").asText();
        String path = URI.create(next).getRawPath();
        String token = path.split("/")[2];
        String rest = path.substring(path.indexOf("/v1/"));
        List<String> tokens = List.of(
                token.substring(0, token.length() / 2),
                token.substring(0, token.indexOf('~') + 1),
                token.substring(0, token.indexOf('~')),
                "~" + token.substring(token.indexOf('~') + 1),
                token.substring(0, token.length() - 1) + (token.endsWith("A") ? "B" : "A"),
                "",
                "~");

        for (String bad : tokens) {
            RawHttp.Reply reply = RawHttp.exchange(port, "GET /sb/" + bad + rest + " HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\nConnection: close\r\n\r\n", WAIT);
            assertThat(reply.status()).as("token '%s': %s", bad, reply.text()).isIn(400, 404);
        }
    }

    @Test
    void pathTraversalInFollowUpUrisNeverLeavesTheProtocolPaths()
            throws Exception
    {
        String next = submit("SELECT 'traversal'").get("nextUri").asText();
        String prefix = URI.create(next).getRawPath();
        prefix = prefix.substring(0, prefix.indexOf("/v1/"));
        List<String> attempts = List.of(
                "/v1/statement/../../v1/node",
                "/v1/statement/..;/..;/v1/node",
                "/v1/statement/%2e%2e/%2e%2e/v1/node",
                "/v1/statement/%2E%2E%2F%2E%2E%2Fv1/node",
                "/v1/statement/..%2f..%2fv1/node",
                "/v1/statement/..%5c..%5cv1/node",
                "/v1/statement/.%00./v1/node",
                "/v1/statement//v1/node",
                "/v1/statement/./../v1/node",
                "/v1/node",
                "/v1/info/../node",
                "/v1/jmx/mbean");

        for (String attempt : attempts) {
            RawHttp.Reply reply = RawHttp.exchange(port, "GET " + prefix + attempt + " HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\nConnection: close\r\n\r\n", WAIT);
            assertThat(reply.status()).as("%s: %s", attempt, reply.text()).isIn(400, 404);
        }
        for (String attempt : List.of("/v1/statement/../v1/node", "/v1/info/../node", "/v1/statement/..;/v1/node")) {
            RawHttp.Reply reply = RawHttp.exchange(port, "GET " + attempt + " HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\nConnection: close\r\n\r\n", WAIT);
            assertThat(reply.status()).as("%s: %s", attempt, reply.text()).isIn(400, 404);
        }
    }

    @Test
    void contentLengthWithTransferEncodingIsRefusedAndNothingIsSmuggled()
            throws IOException
    {
        String smuggled = "GET /v1/node HTTP/1.1\r\nHost: x\r\n\r\n";
        String body = "0\r\n\r\n" + smuggled;
        RawHttp.Reply reply = RawHttp.exchange(port, "POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\nContent-Length: " + body.length()
                + "\r\nTransfer-Encoding: chunked\r\n\r\n" + body, WAIT);

        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.responses()).as(reply.text()).isEqualTo(1);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void duplicateContentLengthsAreRefused()
            throws IOException
    {
        for (String lengths : List.of("Content-Length: 8\r\nContent-Length: 8", "Content-Length: 8\r\nContent-Length: 30", "Content-Length: 8, 30")) {
            RawHttp.Reply reply = RawHttp.exchange(port, "POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\n" + lengths
                    + "\r\n\r\nSELECT 1GET /v1/node HTTP/1.1\r\nHost: x\r\n\r\n", WAIT);

            assertThat(reply.status()).as("%s: %s", lengths, reply.text()).isEqualTo(400);
            assertThat(reply.responses()).isEqualTo(1);
            assertThat(reply.closed()).isTrue();
        }
    }

    @Test
    void transferCodingsOtherThanChunkedAreRefused()
            throws IOException
    {
        for (String header : List.of("Transfer-Encoding: gzip, chunked", "Transfer-Encoding: chunked\r\nTransfer-Encoding: identity", "Transfer-Encoding: xchunked",
                "Transfer-Encoding : chunked")) {
            RawHttp.Reply reply = RawHttp.exchange(port, "POST /v1/statement HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\n" + header
                    + "\r\n\r\n8\r\nSELECT 1\r\n0\r\n\r\n", WAIT);

            assertThat(reply.status()).as("%s: %s", header, reply.text()).isIn(400, 501);
            assertThat(reply.closed()).isTrue();
        }
        RawHttp.Reply http10 = RawHttp.exchange(port, "POST /v1/statement HTTP/1.0\r\nHost: x\r\nX-Trino-User: u\r\nTransfer-Encoding: chunked\r\n\r\n8\r\nSELECT 1\r\n0\r\n\r\n", WAIT);
        assertThat(http10.status()).as(http10.text()).isEqualTo(400);
    }

    @Test
    void malformedHeaderNamesAndValuesAreRefused()
            throws IOException
    {
        for (String header : List.of("X Trino User: u", "X-Trino-User : u", "X-Trino(User): u", "X-Trino-User: a\u0000b", "X-Trino-User: a\u000bb", ": empty")) {
            RawHttp.Reply reply = RawHttp.exchange(port, "POST /v1/statement HTTP/1.1\r\nHost: x\r\n" + header
                    + "\r\nContent-Length: 8\r\n\r\nSELECT 1", WAIT);

            assertThat(reply.status()).as("%s: %s", header, reply.text()).isEqualTo(400);
            assertThat(reply.closed()).isTrue();
        }
    }

    @Test
    void twoHostHeadersAreRefused()
            throws IOException
    {
        RawHttp.Reply reply = RawHttp.exchange(port, "GET /v1/info HTTP/1.1\r\nHost: x\r\nHost: evil.example\r\nX-Trino-User: u\r\n\r\n", WAIT);

        assertThat(reply.status()).as(reply.text()).isEqualTo(400);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void theClientPortNeverServesAdminResources()
            throws IOException
    {
        for (String path : List.of("/v1/gateway/clusters", "/v1/gateway/health", "/v1/gateway/queries", "/metrics", "/v1/gateway/openapi.yaml")) {
            RawHttp.Reply reply = RawHttp.exchange(port, "GET " + path + " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN_TOKEN
                    + "\r\nConnection: close\r\n\r\n", WAIT);
            assertThat(reply.status()).as("%s: %s", path, reply.text()).isEqualTo(404);
        }
        RawHttp.Reply change = RawHttp.exchange(port, "PUT /v1/gateway/clusters/alpha/state HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + ADMIN_TOKEN
                + "\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{\"state\":\"DISABLED\"}", WAIT);
        assertThat(change.status()).as(change.text()).isEqualTo(404);
    }

    private JsonNode submit(String sql)
            throws Exception
    {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/statement"))
                .header("X-Trino-User", "test")
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return JSON.readTree(response.body());
    }

    private void awaitHealthy()
            throws Exception
    {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            HttpResponse<String> clusters = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/v1/gateway/clusters"))
                    .header("Authorization", "Bearer " + ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString());
            if (clusters.body().contains("\"healthy\":true")) {
                return;
            }
            Thread.sleep(50);
        }
        throw new AssertionError("alpha did not become healthy");
    }
}
