package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.protocol.PublicUris;
import io.switchboard.core.protocol.StatementResponseRewriter;
import io.switchboard.server.GatewayServer;
import io.switchboard.server.LeakRecorder;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Assume;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.BeforeContainer;
import org.slf4j.LoggerFactory;

/**
 * Random input against the request parser (the whole client pipeline of a running gateway, over sockets) and the
 * statement URI rewriter (directly, and inside the gateway behind a cluster that answers random bodies). Bounded by
 * the number of tries. No exception may escape a handler, every try ends with an answer or a close, no buffer leaks,
 * and the gateway serves a normal query afterwards.
 */
final class TestFuzzedInputs
{
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration WAIT = Duration.ofSeconds(5);
    private static final String VALID_RESULTS = "{\"id\":\"20261126_000000_00001_alpha\",\"infoUri\":\"http://10.0.0.1:8080/ui/query.html?20261126_000000_00001_alpha\","
            + "\"partialCancelUri\":\"http://10.0.0.1:8080/v1/statement/executing/partialCancel/20261126_000000_00001_alpha/0/y1/1\","
            + "\"nextUri\":\"http://10.0.0.1:8080/v1/statement/executing/20261126_000000_00001_alpha/y1/1\","
            + "\"columns\":[{\"name\":\"x\",\"type\":\"varchar\"}],\"data\":[[\"a\\u00e9\\\"b\"],[null]],"
            + "\"stats\":{\"state\":\"RUNNING\",\"elapsedTimeMillis\":5},\"error\":null,\"warnings\":[]}";

    private static FakeTrino alpha;
    private static GatewayServer gateway;
    private static int port;
    private static String routedPrefix;
    private static ListAppender<ILoggingEvent> logs;
    private static final AtomicInteger requestsTried = new AtomicInteger();
    private static final AtomicInteger bodiesTried = new AtomicInteger();
    private static final AtomicInteger rewritesTried = new AtomicInteger();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @BeforeContainer
    static void start()
            throws Exception
    {
        logs = new ListAppender<>();
        logs.start();
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.addAppender(logs);
        // the frontend reports the exceptions it caught at debug level: an exception that is not I/O is a bug
        ((Logger) LoggerFactory.getLogger(FrontendHandler.class)).setLevel(Level.DEBUG);
        // every random body makes the proxy warn about a bad cluster response, as it should; keep the output readable
        ((Logger) LoggerFactory.getLogger(ProxyExchange.class)).setLevel(Level.ERROR);
        alpha = new FakeTrino("alpha");
        GatewayConfig config = new ConfigLoader().parse("""
                server: {listen: "127.0.0.1:0", max-header-size: 4KB, max-request-body: 8KB, request-read-timeout: 300ms, io-threads: 1}
                admin: {listen: "127.0.0.1:0"}
                health: {interval: 200ms}
                backend: {response-timeout: 2s}
                clusters:
                  - {id: alpha, uri: "%s", routing-group: adhoc, load-probe: none}
                """.formatted(alpha.uri()).getBytes(UTF_8), "test");
        gateway = new GatewayServer(config, Map.of());
        gateway.start();
        port = gateway.proxyAddress().getPort();
        String next = null;
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (next == null && System.nanoTime() < deadline) {
            JsonNode submitted = submit("SELECT 'prefix'");
            next = submitted.hasNonNull("nextUri") ? submitted.get("nextUri").asText() : null;
            Thread.sleep(50);
        }
        String path = URI.create(next).getRawPath();
        routedPrefix = path.substring(0, path.indexOf("/v1/"));
    }

    @AfterContainer
    static void stop()
            throws Exception
    {
        try {
            JsonNode after = submit("SELECT 'after the fuzz'");
            assertThat(after.at("/stats/state").asText()).as("a normal query after the fuzz").isEqualTo("QUEUED");
        }
        finally {
            gateway.close();
            alpha.close();
            ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
            ((Logger) LoggerFactory.getLogger(FrontendHandler.class)).setLevel(null);
            ((Logger) LoggerFactory.getLogger(ProxyExchange.class)).setLevel(null);
        }
        System.out.printf("TestFuzzedInputs: %d random requests, %d random cluster bodies through the gateway, %d random rewrites; escaped exceptions: %d%n",
                requestsTried.get(), bodiesTried.get(), rewritesTried.get(), escapedExceptions().size());
        assertThat(escapedExceptions()).as("exceptions that escaped a handler").isEmpty();
        assertThat(LeakRecorder.leaksAfterCollection()).as("Netty buffer leaks").isEmpty();
    }

    @Property(tries = 300)
    void everyRandomRequestGetsAnAnswerOrAClose(@ForAll("requests") byte[] request)
            throws IOException
    {
        // a connection that sends nothing at all is an idle keep-alive connection: it is closed at the idle timeout
        Assume.that(request.length > 0);
        requestsTried.incrementAndGet();
        RawHttp.Reply reply = RawHttp.exchange(port, request, WAIT, Duration.ofMillis(300));

        assertThat(reply.responses() >= 1 || reply.closed()).as("answer or close for %s; got %s", new String(request, ISO_8859_1), reply.text()).isTrue();
        if (reply.responses() >= 1) {
            // 100 Continue answers an Expect header before the body
            assertThat(reply.status()).isBetween(100, 599);
        }
    }

    @Property(tries = 200)
    void everyRandomClusterBodyIsRewrittenOrFailsTheQueryCleanly(@ForAll("clusterBodies") String body)
            throws Exception
    {
        String path = "/v1/statement/queued/20261126_000000_00001_alpha/fuzz" + bodiesTried.incrementAndGet() + "/1";
        alpha.override(path, body);
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + routedPrefix + path)).timeout(WAIT).build(),
                    HttpResponse.BodyHandlers.ofString());

            assertThat(response.statusCode()).isEqualTo(200);
            JsonNode answer = JSON.readTree(response.body());
            if (answer.has("nextUri") && answer.get("nextUri").isTextual()) {
                assertThat(answer.get("nextUri").asText()).startsWith("http://127.0.0.1:" + port + "/sb/alpha~");
            }
        }
        catch (IOException e) {
            // a body that broke after the gateway had started the answer: the only honest signal is a cut connection
        }
    }

    @Property(tries = 2000)
    void theRewriterOnlyEverFailsWithAnIOException(@ForAll("clusterBodies") String body, @ForAll("chunkSizes") List<Integer> chunks)
    {
        rewritesTried.incrementAndGet();
        byte[] bytes = body.getBytes(UTF_8);
        StatementResponseRewriter rewriter = new StatementResponseRewriter(new JsonFactory(), uri -> PublicUris.toPublic(uri, "http://gw:8080", "alpha~tok"));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StatementResponseRewriter.Sink sink = new StatementResponseRewriter.Sink()
        {
            private byte[] current;
            private int base;

            @Override
            public void passThrough(int offset, int length)
            {
                out.write(bytes, offset, length);
            }

            @Override
            public void write(byte[] written, int offset, int length)
            {
                out.write(written, offset, length);
            }
        };
        try {
            int at = 0;
            for (int size : chunks) {
                int length = Math.min(size, bytes.length - at);
                if (length <= 0) {
                    break;
                }
                rewriter.feed(bytes, at, length, sink);
                at += length;
            }
            if (at < bytes.length) {
                rewriter.feed(bytes, at, bytes.length - at, sink);
            }
            rewriter.finish(sink);
        }
        catch (IOException expected) {
            // what garbage is allowed to cause
        }
    }

    @Provide
    Arbitrary<List<Integer>> chunkSizes()
    {
        return Arbitraries.integers().between(1, 64).list().ofMinSize(1).ofMaxSize(20);
    }

    @Provide
    Arbitrary<String> clusterBodies()
    {
        Arbitrary<String> mutated = Combinators.combine(
                Arbitraries.integers().between(0, VALID_RESULTS.length()),
                Arbitraries.integers().between(0, 40),
                Arbitraries.strings().withChars("{}[]\":,\\ nulltrue0123456789.eE-+/?&=%").ofMaxLength(12))
                .as((at, cut, insert) -> VALID_RESULTS.substring(0, at) + insert + VALID_RESULTS.substring(Math.min(VALID_RESULTS.length(), at + cut)));
        Arbitrary<String> truncated = Arbitraries.integers().between(0, VALID_RESULTS.length()).map(end -> VALID_RESULTS.substring(0, end));
        Arbitrary<String> uris = Arbitraries.strings().all().ofMaxLength(80)
                .map(uri -> "{\"id\":\"q\",\"nextUri\":" + quote(uri) + ",\"infoUri\":" + quote("http://h:1/" + uri) + ",\"stats\":{\"state\":\"RUNNING\"}}");
        Arbitrary<String> anything = Arbitraries.strings().all().ofMaxLength(200);
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(4, mutated),
                net.jqwik.api.Tuple.of(2, truncated),
                net.jqwik.api.Tuple.of(2, uris),
                net.jqwik.api.Tuple.of(1, anything),
                net.jqwik.api.Tuple.of(1, Arbitraries.just(VALID_RESULTS)));
    }

    @Provide
    Arbitrary<byte[]> requests()
    {
        Arbitrary<String> methods = Arbitraries.of("GET", "POST", "DELETE", "HEAD", "PUT", "OPTIONS", "CONNECT", "TRACE", "PATCH", "get", "G\u0000T", "", "POST POST");
        Arbitrary<String> paths = Arbitraries.oneOf(
                Arbitraries.of("/v1/statement", "/v1/info", "/v1/query/20261126_000000_00001_alpha", "/ui/", "/v1/node", "*", "", "/", "http://evil/v1/info",
                        "/v1/statement/../../v1/node", "/v1/statement/..;/v1/node", "/%2e%2e/v1/node", "/v1/query/x?y=%zz", "//v1/info", "/sb/", "/sb/~/v1/statement",
                        "/v1/statement/queued/20261126_000000_00001_alpha/y1/1"),
                Arbitraries.of("/v1/statement/queued/20261126_000000_00001_alpha/y1/1", "/v1/statement/executing/20261126_000000_00001_alpha/y2/2",
                        "/v1/statement/../../v1/node", "/v1/node").map(rest -> routedPrefix + rest),
                Arbitraries.strings().ascii().ofMaxLength(60).map(text -> "/" + text),
                Arbitraries.strings().all().ofMaxLength(30).map(text -> routedPrefix + "/" + text));
        Arbitrary<String> versions = Arbitraries.of("HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "HTTP/1.1 extra", "http/1.1", "", "HTTP/9.9");
        Arbitrary<String> headerLine = Arbitraries.oneOf(
                Arbitraries.of("Host: x", "X-Trino-User: fuzz", "X-Presto-User: fuzz", "Content-Length: 5", "Content-Length: -1", "Content-Length: 99999999999",
                        "Content-Length: 0", "Content-Length: 3, 4", "Transfer-Encoding: chunked", "Transfer-Encoding: gzip", "Transfer-Encoding: chunked, identity",
                        "Connection: close", "Connection: keep-alive, Upgrade", "Upgrade: h2c", "Expect: 100-continue", "Expect: nonsense",
                        "X-Trino-Transaction-Id: NONE", "X-Trino-Transaction-Id: garbage.token", "X-Trino-Routing-Group: nope", "X-Forwarded-Host: evil\"host",
                        "X-Forwarded-Proto: javascript", "Authorization: Bearer x", " leading: space", "NoColon", ": empty-name", "X-Folded: a\r\n b",
                        "Host: a\r\nHost: b", "X-Trino-Session: a=b,c", "X-Trino-Client-Tags: " + "t,".repeat(50)),
                Arbitraries.strings().ascii().ofMaxLength(40).map(text -> "X-Random: " + text),
                Arbitraries.strings().all().ofMaxLength(40));
        Arbitrary<List<String>> headers = headerLine.list().ofMaxSize(8);
        Arbitrary<String> bodies = Arbitraries.oneOf(
                Arbitraries.of("", "SELECT 1", "5\r\nSELEC\r\n0\r\n\r\n", "0\r\n\r\nGET /v1/node HTTP/1.1\r\nHost: x\r\n\r\n", "zz\r\nx\r\n"),
                Arbitraries.strings().all().ofMaxLength(300));
        Arbitrary<byte[]> built = Combinators.combine(methods, paths, versions, headers, bodies).as((method, path, version, lines, body) -> {
            StringBuilder text = new StringBuilder(method).append(' ').append(path).append(' ').append(version).append("\r\n");
            lines.forEach(line -> text.append(line).append("\r\n"));
            text.append("\r\n").append(body);
            return text.toString().getBytes(UTF_8);
        });
        Arbitrary<byte[]> raw = Arbitraries.bytes().array(byte[].class).ofMaxSize(600);
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(8, built), net.jqwik.api.Tuple.of(2, raw));
    }

    private static List<String> escapedExceptions()
    {
        List<String> escaped = new ArrayList<>();
        for (ILoggingEvent event : logs.list) {
            String message = event.getFormattedMessage();
            boolean reachedTheTail = event.getLoggerName().startsWith("io.netty") && event.getLevel().isGreaterOrEqual(Level.WARN);
            boolean caughtButNotIo = message.contains("event=client_connection_error") && !message.contains("IOException") && !message.contains("SocketException")
                    && !message.contains("Connection reset") && !message.contains("NativeIoException")
                    // a client that closed half-way through its request: the decoder says so, nothing went wrong
                    && !message.contains("PrematureChannelClosureException");
            if (reachedTheTail || caughtButNotIo || event.getLevel().isGreaterOrEqual(Level.ERROR)) {
                escaped.add(event.getLoggerName() + ": " + message + (event.getThrowableProxy() == null ? "" : " " + event.getThrowableProxy().getClassName()
                        + ": " + event.getThrowableProxy().getMessage()));
            }
        }
        return escaped;
    }

    private static JsonNode submit(String sql)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/statement"))
                .header("X-Trino-User", "fuzz")
                .POST(HttpRequest.BodyPublishers.ofString(sql))
                .build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static String quote(String text)
    {
        try {
            return JSON.writeValueAsString(text);
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
