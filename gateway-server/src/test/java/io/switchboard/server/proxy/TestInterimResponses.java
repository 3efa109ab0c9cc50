package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A cluster that sends an interim 1xx answer before the real one: the client sees only the real one, every time. */
final class TestInterimResponses
{
    private static final String BODY = "{\"starting\":false,\"coordinator\":true}";

    @Test
    void earlyHintsAreSkippedAndTheConnectionStaysUsable()
            throws Exception
    {
        try (ServerSocket backend = new ServerSocket(0)) {
            Thread acceptor = new Thread(() -> serve(backend), "fake-backend");
            acceptor.setDaemon(true);
            acceptor.start();
            GatewayServer gateway = new GatewayServer(new ConfigLoader().parse("""
                    server: {listen: "127.0.0.1:0"}
                    admin: {listen: "127.0.0.1:0"}
                    health: {interval: 200ms}
                    clusters:
                      - {id: hints, uri: "http://127.0.0.1:%d", routing-group: adhoc, load-probe: none}
                    """.formatted(backend.getLocalPort()).getBytes(UTF_8), "test"), Map.of());
            try {
                gateway.start();
                HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
                URI uri = URI.create("http://127.0.0.1:" + gateway.proxyAddress().getPort() + "/v1/info?hints=1");
                long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
                HttpResponse<String> response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                while (response.statusCode() != 200 && System.nanoTime() < deadline) {
                    Thread.sleep(100);
                    response = http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString());
                }
                for (int i = 0; i < 5; i++) {
                    assertThat(response.statusCode()).isEqualTo(200);
                    assertThat(response.body()).isEqualTo(BODY);
                    response = http.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(5)).build(), HttpResponse.BodyHandlers.ofString());
                }
            }
            finally {
                gateway.close();
            }
        }
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    private static void serve(ServerSocket server)
    {
        while (!server.isClosed()) {
            try {
                Socket socket = server.accept();
                Thread connection = new Thread(() -> answer(socket), "fake-backend-connection");
                connection.setDaemon(true);
                connection.start();
            }
            catch (IOException e) {
                return;
            }
        }
    }

    /** Answers GETs on one keep-alive connection; requests whose target asks for hints get a 103 first. */
    private static void answer(Socket socket)
    {
        try (socket; BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), UTF_8))) {
            OutputStream out = socket.getOutputStream();
            String requestLine;
            while ((requestLine = in.readLine()) != null) {
                String header;
                while ((header = in.readLine()) != null && !header.isEmpty()) {
                    // headers are not needed
                }
                StringBuilder answer = new StringBuilder();
                if (requestLine.contains("hints=1")) {
                    answer.append("HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n");
                }
                answer.append("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: ").append(BODY.length()).append("\r\n\r\n").append(BODY);
                out.write(answer.toString().getBytes(UTF_8));
                out.flush();
            }
        }
        catch (IOException e) {
            // the connection ended
        }
    }
}
