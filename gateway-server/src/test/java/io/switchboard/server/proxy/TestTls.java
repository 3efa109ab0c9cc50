package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.TestCertificates;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;
import io.switchboard.server.config.InvalidConfigException;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLHandshakeException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** TLS at both ends: clients reach the gateway over HTTPS, and the gateway reaches an https cluster it trusts by config. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
final class TestTls
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ADMIN_TOKEN = "tls-test-admin-token";

    @TempDir
    static Path directory;

    private TestCertificates certificates;
    private FakeTrino secureCluster;
    private GatewayServer gateway;
    private HttpClient client;

    @BeforeAll
    void start()
            throws Exception
    {
        certificates = TestCertificates.create(directory);
        secureCluster = new FakeTrino("secure", certificates.serverContext());
        GatewayConfig config = new ConfigLoader().parse("""
                server:
                  listen: 127.0.0.1:0
                  tls: {certificate: "%s", key: "%s"}
                admin: {listen: "127.0.0.1:0", token: %s}
                health: {interval: 200ms}
                backend:
                  tls: {trust-store: "%s", trust-store-password: %s, trust-store-type: pkcs12}
                clusters:
                  - {id: secure, uri: "%s", routing-group: adhoc, load-probe: none}
                """.formatted(certificates.certificate(), certificates.key(), ADMIN_TOKEN, certificates.trustStore(), certificates.password(),
                secureCluster.uri()).getBytes(UTF_8), "test");
        gateway = new GatewayServer(config, Map.of());
        gateway.start();
        client = HttpClient.newBuilder().sslContext(certificates.clientContext()).connectTimeout(Duration.ofSeconds(5)).build();
        HttpClient admin = HttpClient.newHttpClient();
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline && !admin.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.adminAddress().getPort() + "/v1/gateway/clusters"))
                .header("Authorization", "Bearer " + ADMIN_TOKEN).build(), HttpResponse.BodyHandlers.ofString()).body().contains("\"healthy\":true")) {
            Thread.sleep(50);
        }
    }

    @AfterAll
    void stop()
            throws InterruptedException
    {
        if (gateway != null) {
            gateway.close();
        }
        if (secureCluster != null) {
            secureCluster.close();
        }
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @Test
    void aQueryRunsOverTlsAtBothEndsAndItsUrisAreHttps()
            throws Exception
    {
        String base = "https://127.0.0.1:" + gateway.proxyAddress().getPort();
        HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/statement"))
                .header("X-Trino-User", "tls")
                .POST(HttpRequest.BodyPublishers.ofString("SELECT 'tls'"))
                .build(), HttpResponse.BodyHandlers.ofString());
        int pages = 0;
        while (true) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            JsonNode page = JSON.readTree(response.body());
            pages++;
            if (!page.hasNonNull("nextUri")) {
                assertThat(page.at("/stats/state").asText()).isEqualTo("FINISHED");
                break;
            }
            assertThat(page.get("nextUri").asText()).startsWith(base + "/sb/secure~");
            response = client.send(HttpRequest.newBuilder(URI.create(page.get("nextUri").asText())).header("X-Trino-User", "tls").build(),
                    HttpResponse.BodyHandlers.ofString());
        }

        assertThat(pages).isEqualTo(3);
        assertThat(secureCluster.seen()).anySatisfy(seen -> assertThat(seen.body()).isEqualTo("SELECT 'tls'"));
    }

    @Test
    void aClientThatDoesNotTrustTheCertificateIsRefusedAtTheHandshake()
    {
        HttpClient untrusting = HttpClient.newHttpClient();

        assertThatThrownBy(() -> untrusting.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + gateway.proxyAddress().getPort() + "/v1/info")).build(),
                HttpResponse.BodyHandlers.ofString()))
                .isInstanceOf(SSLHandshakeException.class);
    }

    @Test
    void plainHttpOnTheTlsPortGetsNoAnswer()
            throws Exception
    {
        RawHttp.Reply reply = RawHttp.exchange(gateway.proxyAddress().getPort(), "GET /v1/info HTTP/1.1\r\nHost: x\r\n\r\n", Duration.ofSeconds(10));

        assertThat(reply.status()).isEqualTo(-1);
        assertThat(reply.closed()).isTrue();
    }

    @Test
    void aKeyThatIsNotPemStopsStartUpNamingTheField()
            throws Exception
    {
        Path notAKey = Files.writeString(directory.resolve("not-a-key.pem"), "this is not a key\n");
        String yaml = """
                server:
                  tls: {certificate: "%s", key: "%s"}
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """.formatted(certificates.certificate(), notAKey);

        assertThatThrownBy(() -> new ConfigLoader().parse(yaml.getBytes(UTF_8), "test"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("server.tls.key");
    }

    @Test
    void aWrongTrustStorePasswordStopsStartUpNamingTheField()
    {
        String yaml = """
                backend:
                  tls: {trust-store: "%s", trust-store-password: wrong-password}
                clusters:
                  - {id: a, uri: "https://h:1", routing-group: g}
                """.formatted(certificates.trustStore());

        assertThatThrownBy(() -> new ConfigLoader().parse(yaml.getBytes(UTF_8), "test"))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageContaining("backend.tls.trust-store");
    }
}
