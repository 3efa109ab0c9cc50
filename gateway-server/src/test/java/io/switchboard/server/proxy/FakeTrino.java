package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;

/**
 * A hand-written stand-in for a Trino coordinator: answers {@code /v1/info}, a submission, and two polls, with URIs
 * that point at itself, and records the headers of every request it saw.
 */
public final class FakeTrino
        implements AutoCloseable
{
    public record Seen(String method, String target, Map<String, List<String>> headers, String body) {}

    private final HttpServer server;
    private final String name;
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final AtomicInteger queries = new AtomicInteger();
    private final Map<String, String> overrides = new ConcurrentHashMap<>();
    private volatile long infoDelayMillis;

    public FakeTrino(String name)
            throws IOException
    {
        this(name, null);
    }

    /** A coordinator serving HTTPS with {@code tls}, or plain HTTP when it is null. */
    public FakeTrino(String name, SSLContext tls)
            throws IOException
    {
        this.name = name;
        if (tls == null) {
            this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        }
        else {
            HttpsServer https = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
            https.setHttpsConfigurator(new HttpsConfigurator(tls));
            this.server = https;
        }
        server.createContext("/", this::handle);
        server.start();
    }

    public String uri()
    {
        return (server instanceof HttpsServer ? "https" : "http") + "://127.0.0.1:" + server.getAddress().getPort();
    }

    public List<Seen> seen()
    {
        return seen;
    }

    /** Answers {@code /v1/info} only after this long, like a coordinator slow to answer its first health check. */
    public void infoDelay(Duration delay)
    {
        infoDelayMillis = delay.toMillis();
    }

    /** Answers the given path with this raw body (status 200, JSON) instead of the protocol. */
    public void override(String path, String body)
    {
        overrides.put(path, body);
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
        String target = exchange.getRequestURI().toString();
        seen.add(new Seen(exchange.getRequestMethod(), target, Map.copyOf(exchange.getRequestHeaders()), body));
        String path = exchange.getRequestURI().getPath();
        String override = overrides.get(path);
        if (override != null) {
            send(exchange, 200, override, Map.of());
            return;
        }
        if (path.equals("/v1/info")) {
            if (infoDelayMillis > 0) {
                try {
                    Thread.sleep(infoDelayMillis);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            send(exchange, 200, "{\"starting\":false,\"coordinator\":true}", Map.of());
        }
        else if (path.equals("/v1/statement") && exchange.getRequestMethod().equals("POST")) {
            String id = "20261126_000000_%05d_%s".formatted(queries.incrementAndGet(), name);
            Map<String, String> headers = body.startsWith("START TRANSACTION") ? Map.of("X-Trino-Started-Transaction-Id", "tx-" + id) : Map.of();
            send(exchange, 200, results(id, "QUEUED", "/v1/statement/queued/" + id + "/y1/1", null), headers);
        }
        else if (path.startsWith("/v1/statement/queued/")) {
            String id = path.split("/")[4];
            send(exchange, 200, results(id, "RUNNING", "/v1/statement/executing/" + id + "/y2/2", "[[1,\"" + name + "\"]]"), Map.of());
        }
        else if (path.startsWith("/v1/statement/executing/")) {
            if (exchange.getRequestMethod().equals("DELETE")) {
                send(exchange, 204, "", Map.of());
                return;
            }
            String id = path.split("/")[4];
            send(exchange, 200, results(id, "FINISHED", null, null), Map.of());
        }
        else if (path.startsWith("/v1/query/") && exchange.getRequestMethod().equals("GET")) {
            String id = path.substring("/v1/query/".length());
            if (id.endsWith("_" + name)) {
                send(exchange, 200, "{\"queryId\":\"" + id + "\",\"state\":\"FINISHED\",\"coordinator\":\"" + name + "\"}", Map.of());
            }
            else {
                send(exchange, 404, "not found", Map.of());
            }
        }
        else if (path.startsWith("/v1/query/") && exchange.getRequestMethod().equals("DELETE")) {
            send(exchange, 204, "", Map.of());
        }
        else {
            send(exchange, 404, "not found", Map.of());
        }
    }

    private String results(String id, String state, String next, String data)
    {
        StringBuilder json = new StringBuilder("{\"id\":\"" + id + "\",\"infoUri\":\"" + uri() + "/ui/query.html?" + id + "\"");
        if (next != null) {
            json.append(",\"nextUri\":\"").append(uri()).append(next).append("\"");
        }
        if (data != null) {
            json.append(",\"columns\":[{\"name\":\"x\",\"type\":\"bigint\"},{\"name\":\"cluster\",\"type\":\"varchar\"}],\"data\":").append(data);
        }
        json.append(",\"stats\":{\"state\":\"").append(state).append("\",\"elapsedTimeMillis\":5},\"warnings\":[]}");
        return json.toString();
    }

    private static void send(HttpExchange exchange, int status, String body, Map<String, String> headers)
            throws IOException
    {
        byte[] bytes = body.getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        headers.forEach((name, value) -> exchange.getResponseHeaders().set(name, value));
        exchange.sendResponseHeaders(status, status == 204 ? -1 : bytes.length);
        if (status != 204) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
        exchange.close();
    }

    @Override
    public void close()
    {
        server.stop(0);
    }
}
