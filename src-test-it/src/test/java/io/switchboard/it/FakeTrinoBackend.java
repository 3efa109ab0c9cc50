package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/** A fake Trino coordinator that looks healthy, accepts one statement with a QUEUED answer, then dies mid-query. */
final class FakeTrinoBackend
        implements AutoCloseable
{
    static final String QUERY_ID = "20261126_101530_00042_abcde";

    private final HttpServer server;
    // handlers run on this pool rather than on the server's dispatcher, so that a handler may stop the server
    private final ExecutorService handlers = Executors.newCachedThreadPool();
    private final URI uri;
    private final CountDownLatch accepted = new CountDownLatch(1);
    private final CountDownLatch stopped = new CountDownLatch(1);

    private FakeTrinoBackend(HttpServer server)
    {
        this.server = server;
        this.uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    static FakeTrinoBackend start()
            throws IOException
    {
        HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        FakeTrinoBackend backend = new FakeTrinoBackend(server);
        server.createContext("/", backend::handle);
        server.setExecutor(backend.handlers);
        server.start();
        return backend;
    }

    URI uri()
    {
        return uri;
    }

    /** Waits until the fake has answered a statement and stopped listening. */
    boolean awaitDeath(Duration timeout)
            throws InterruptedException
    {
        return accepted.await(timeout.toMillis(), TimeUnit.MILLISECONDS)
                && stopped.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    @Override
    public void close()
    {
        die();
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        try (InputStream body = exchange.getRequestBody()) {
            body.readAllBytes();
        }
        String path = exchange.getRequestURI().getPath();
        String method = exchange.getRequestMethod();
        if (method.equals("GET") && path.equals("/v1/info")) {
            respond(exchange, 200, "application/json",
                    "{\"nodeVersion\":{\"version\":\"476\"},\"environment\":\"test\",\"coordinator\":true,\"starting\":false,\"uptime\":\"1.00m\"}");
        }
        else if (method.equals("GET") && path.equals("/metrics")) {
            respond(exchange, 200, "application/openmetrics-text; version=1.0.0; charset=utf-8", """
                    # TYPE trino_execution_name_QueryManager_QueuedQueries gauge
                    trino_execution_name_QueryManager_QueuedQueries 0.0
                    # TYPE trino_execution_name_QueryManager_RunningQueries gauge
                    trino_execution_name_QueryManager_RunningQueries 0.0
                    # TYPE trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount gauge
                    trino_metadata_name_DiscoveryNodeManager_ActiveNodeCount 1.0
                    # EOF
                    """);
        }
        else if (method.equals("GET") && path.startsWith("/v1/jmx/mbean/")) {
            respond(exchange, 200, "application/json",
                    "{\"attributes\":[{\"name\":\"QueuedQueries\",\"value\":0},{\"name\":\"RunningQueries\",\"value\":0}]}");
        }
        else if (method.equals("POST") && path.equals("/v1/statement") && accepted.getCount() > 0) {
            respond(exchange, 200, "application/json", queuedResults());
            accepted.countDown();
            die();
        }
        else if (accepted.getCount() == 0) {
            // a follow-up that slipped in before the listener closed meets a dead coordinator too: no answer at all
            die();
        }
        else {
            respond(exchange, 404, "text/plain", "not found");
        }
    }

    private String queuedResults()
    {
        String base = uri.toString();
        return "{\"id\":\"" + QUERY_ID + "\","
                + "\"infoUri\":\"" + base + "/ui/query.html?" + QUERY_ID + "\","
                + "\"nextUri\":\"" + base + "/v1/statement/queued/" + QUERY_ID + "/y0123456789abcdef/1\","
                + "\"stats\":{\"state\":\"QUEUED\",\"queued\":true,\"scheduled\":false,\"nodes\":0,\"totalSplits\":0,"
                + "\"queuedSplits\":0,\"runningSplits\":0,\"completedSplits\":0,\"cpuTimeMillis\":0,\"wallTimeMillis\":0,"
                + "\"queuedTimeMillis\":0,\"elapsedTimeMillis\":0,\"processedRows\":0,\"processedBytes\":0,"
                + "\"physicalInputBytes\":0,\"peakMemoryBytes\":0,\"spilledBytes\":0},"
                + "\"warnings\":[]}";
    }

    private synchronized void die()
    {
        if (stopped.getCount() > 0) {
            // stop(0) closes the listener and every open connection, the pooled ones of the gateway included
            server.stop(0);
            handlers.shutdown();
            stopped.countDown();
        }
    }

    private static void respond(HttpExchange exchange, int status, String contentType, String body)
            throws IOException
    {
        byte[] bytes = body.getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
