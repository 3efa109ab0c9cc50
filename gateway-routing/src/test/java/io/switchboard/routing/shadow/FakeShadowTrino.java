package io.switchboard.routing.shadow;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A hand-written stand-in for a shadow Trino coordinator: runs each statement by a script (pages of rows, or a
 * failure, each page after a delay) and records every request it saw.
 */
final class FakeShadowTrino
        implements AutoCloseable
{
    record Seen(String method, String path, Map<String, List<String>> headers, String body) {}

    /** How a statement runs: each page's rows as JSON arrays, or a failure after the first poll. */
    record Script(List<String> pages, String errorName, long delayMillis) {}

    static final Script THREE_ROWS = new Script(List.of("[1,\"a\"],[2,\"b\"]", "[3,\"c\"]"), null, 0);

    private final HttpServer server;
    private final ExecutorService executor = Executors.newCachedThreadPool();
    private final List<Seen> seen = new CopyOnWriteArrayList<>();
    private final Map<String, Script> scripts = new ConcurrentHashMap<>();
    private final Map<String, Script> running = new ConcurrentHashMap<>();
    private final AtomicInteger queries = new AtomicInteger();

    FakeShadowTrino()
            throws IOException
    {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String uri()
    {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** Statements not scripted return {@link #THREE_ROWS}. */
    void script(String sql, Script script)
    {
        scripts.put(sql, script);
    }

    List<Seen> seen()
    {
        return seen;
    }

    List<Seen> seen(String method)
    {
        return seen.stream().filter(request -> request.method().equals(method)).toList();
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        String body = new String(exchange.getRequestBody().readAllBytes(), UTF_8);
        String path = exchange.getRequestURI().getPath();
        seen.add(new Seen(exchange.getRequestMethod(), path, Map.copyOf(exchange.getRequestHeaders()), body));
        if (exchange.getRequestMethod().equals("DELETE")) {
            exchange.sendResponseHeaders(204, -1);
            exchange.close();
            return;
        }
        if (path.equals("/v1/statement")) {
            String id = "20261126_000000_%05d_shadw".formatted(queries.incrementAndGet());
            running.put(id, scripts.getOrDefault(body, THREE_ROWS));
            send(exchange, "{\"id\":\"" + id + "\",\"nextUri\":\"" + uri() + "/v1/statement/executing/" + id + "/y/0\",\"stats\":{\"state\":\"QUEUED\"}}");
            return;
        }
        String[] parts = path.split("/");
        String id = parts[4];
        int page = Integer.parseInt(parts[6]);
        Script script = running.get(id);
        try {
            Thread.sleep(script.delayMillis());
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (script.errorName() != null) {
            send(exchange, "{\"id\":\"" + id + "\",\"stats\":{\"state\":\"FAILED\",\"elapsedTimeMillis\":7},"
                    + "\"error\":{\"message\":\"scripted failure\",\"errorName\":\"" + script.errorName() + "\",\"errorType\":\"USER_ERROR\"}}");
            return;
        }
        if (page < script.pages().size()) {
            send(exchange, "{\"id\":\"" + id + "\",\"nextUri\":\"" + uri() + "/v1/statement/executing/" + id + "/y/" + (page + 1) + "\","
                    + "\"columns\":[{\"name\":\"n\",\"type\":\"bigint\"},{\"name\":\"s\",\"type\":\"varchar\"}],"
                    + "\"data\":[" + script.pages().get(page) + "],\"stats\":{\"state\":\"RUNNING\"}}");
            return;
        }
        send(exchange, "{\"id\":\"" + id + "\",\"stats\":{\"state\":\"FINISHED\",\"elapsedTimeMillis\":40}}");
    }

    private static void send(HttpExchange exchange, String body)
            throws IOException
    {
        byte[] bytes = body.getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(200, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
        exchange.close();
    }

    @Override
    public void close()
    {
        server.stop(0);
        executor.shutdownNow();
    }
}
