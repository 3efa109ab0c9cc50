package io.switchboard.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import io.switchboard.core.ClusterId;
import io.switchboard.core.protocol.RoutingTokenCodec;
import io.switchboard.core.protocol.StatementResponseRewriter;
import io.switchboard.core.protocol.StatementSummary;

import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The statement URI rewriter over a ~1 MB RUNNING page, fed in chunks as Netty hands them over, into a sink that
 * only counts: what one large result page costs the gateway beyond moving its bytes. {@code parseOnly} is the floor:
 * the same non-blocking Jackson parser reading every token and rewriting nothing.
 *
 * <p>The auxiliary counter {@code bytes} is the page bytes per second: divide by 10^6 for MB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class RewriterBenchmark
{
    private static final String PUBLIC_BASE = "http://switchboard.example.com:8080";

    @Param("1048576")
    public int pageBytes;

    @Param("8192")
    public int chunkBytes;

    private final JsonFactory jsonFactory = new JsonFactory();
    private byte[] page;
    private String token;

    /** Bytes of page processed, reported per second. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Bytes
    {
        public long bytes;

        @Setup(Level.Iteration)
        public void reset()
        {
            bytes = 0;
        }
    }

    /** Counts what the rewriter emits, as the proxy's sink would forward it. */
    static final class CountingSink
            implements StatementResponseRewriter.Sink
    {
        long passedThrough;
        long written;

        @Override
        public void passThrough(int offset, int length)
        {
            passedThrough += length;
        }

        @Override
        public void write(byte[] bytes, int offset, int length)
        {
            written += length;
        }
    }

    @Setup
    public void setUp()
            throws IOException
    {
        page = StatementPages.runningPage(pageBytes, "http://10.0.0.7:8080");
        token = new RoutingTokenCodec("bench-secret".getBytes(UTF_8)).encode(ClusterId.of("trino-a"));
        // the page must be what the benchmark claims: valid, RUNNING, with its three URIs rewritten
        CountingSink sink = new CountingSink();
        StatementSummary summary = rewrite(sink);
        if (!"RUNNING".equals(summary.state()) || !summary.hasNextUri() || !StatementPages.QUERY_ID.equals(summary.queryId())) {
            throw new IllegalStateException("generated page is not a RUNNING statement page: " + summary);
        }
        if (sink.written == 0 || sink.passedThrough + sink.written <= page.length) {
            throw new IllegalStateException("rewriter did not replace the page's URIs with longer gateway URIs");
        }
    }

    @Benchmark
    public long rewrite(Bytes counter)
            throws IOException
    {
        CountingSink sink = new CountingSink();
        rewrite(sink);
        counter.bytes += page.length;
        return sink.passedThrough + sink.written;
    }

    @Benchmark
    public long parseOnly(Bytes counter)
            throws IOException
    {
        long tokens = 0;
        try (JsonParser parser = jsonFactory.createNonBlockingByteArrayParser()) {
            ByteArrayFeeder feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
            for (int offset = 0; offset < page.length; offset += chunkBytes) {
                feeder.feedInput(page, offset, Math.min(page.length, offset + chunkBytes));
                tokens += drain(parser);
            }
            feeder.endOfInput();
            tokens += drain(parser);
        }
        counter.bytes += page.length;
        return tokens;
    }

    /** Reads the tokens of one chunk; a method of its own, as in the rewriter, so that it is compiled as the rewriter's loop is. */
    private static long drain(JsonParser parser)
            throws IOException
    {
        long tokens = 0;
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            tokens++;
        }
        return tokens;
    }

    /** One response as the proxy handles it: a rewriter per response, with the proxy's URI mapping. */
    private StatementSummary rewrite(CountingSink sink)
            throws IOException
    {
        StatementResponseRewriter rewriter = StatementResponseRewriter.toPublic(jsonFactory, PUBLIC_BASE, token, null);
        for (int offset = 0; offset < page.length; offset += chunkBytes) {
            rewriter.feed(page, offset, Math.min(chunkBytes, page.length - offset), sink);
        }
        return rewriter.finish(sink);
    }
}
