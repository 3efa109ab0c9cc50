package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;

import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Past {@code server.max-connections}, a client gets a plain 503 and a close; a freed slot serves again. */
final class TestConnectionLimit
{
    private static final Duration WAIT = Duration.ofSeconds(10);

    @Test
    void aConnectionPastTheLimitGets503WithAMessageAndAFreedSlotServesAgain()
            throws Exception
    {
        try (FakeTrino alpha = new FakeTrino("alpha")) {
            GatewayConfig config = new ConfigLoader().parse("""
                    server: {listen: "127.0.0.1:0", max-connections: 3}
                    admin: {listen: "127.0.0.1:0"}
                    clusters:
                      - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                    """.formatted(alpha.uri()).getBytes(UTF_8), "test");
            try (GatewayServer gateway = new GatewayServer(config, Map.of())) {
                gateway.start();
                int port = gateway.proxyAddress().getPort();
                List<Socket> held = new ArrayList<>();
                try {
                    for (int i = 0; i < 3; i++) {
                        held.add(new Socket("127.0.0.1", port));
                    }
                    awaitOpenConnections(gateway, 3);

                    RawHttp.Reply refused = RawHttp.exchange(port, "GET /v1/info HTTP/1.1\r\nHost: x\r\n\r\n", WAIT);

                    assertThat(refused.status()).as(refused.text()).isEqualTo(503);
                    assertThat(refused.text()).contains(ConnectionLimit.MESSAGE.trim());
                    assertThat(refused.closed()).isTrue();

                    held.remove(0).close();
                    awaitOpenConnections(gateway, 2);
                    try (Socket socket = new Socket("127.0.0.1", port)) {
                        socket.getOutputStream().write("GET /v1/info HTTP/1.1\r\nHost: x\r\nX-Trino-User: u\r\nConnection: close\r\n\r\n".getBytes(ISO_8859_1));
                        RawHttp.Reply served = RawHttp.readUntilClosed(socket, WAIT);
                        assertThat(served.status()).as(served.text()).isNotEqualTo(503);
                    }
                }
                finally {
                    for (Socket socket : held) {
                        socket.close();
                    }
                }
            }
        }
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    private static void awaitOpenConnections(GatewayServer gateway, int expected)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (gateway.openProxyConnections() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(gateway.openProxyConnections()).isEqualTo(expected);
    }
}
