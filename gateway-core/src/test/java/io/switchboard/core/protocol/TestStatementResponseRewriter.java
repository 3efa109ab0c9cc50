package io.switchboard.core.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonToken;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

final class TestStatementResponseRewriter
{
    private static final JsonFactory JSON = new JsonFactory();
    private static final UnaryOperator<String> TO_GATEWAY =
            uri -> PublicUris.toPublic(uri, "http://gw:8080", "trino-a~tok");

    private static final String RUNNING = """
            {"id":"20261126_101530_00042_abcde",\
            "infoUri":"http://10.0.0.1:8080/ui/query.html?20261126_101530_00042_abcde",\
            "partialCancelUri":"http://10.0.0.1:8080/v1/statement/executing/partialCancel/20261126_101530_00042_abcde/0/y1/2",\
            "nextUri":"http://10.0.0.1:8080/v1/statement/executing/20261126_101530_00042_abcde/y1/2",\
            "columns":[{"name":"nextUri","type":"varchar"}],\
            "data":[["http://10.0.0.1:8080/not/a/uri/to/rewrite", 1.10, null]],\
            "stats":{"state":"RUNNING","queued":false,"nodes":1},\
            "warnings":[]}""";

    @Test
    void rewritesTheThreeRootUrisAndNothingElse()
            throws IOException
    {
        Rewritten result = rewrite(RUNNING, RUNNING.length());

        assertThat(result.json()).isEqualTo(RUNNING
                .replace("\"http://10.0.0.1:8080/ui/query.html", "\"http://gw:8080/sb/trino-a~tok/ui/query.html")
                .replace("\"http://10.0.0.1:8080/v1/statement/", "\"http://gw:8080/sb/trino-a~tok/v1/statement/"));
        assertThat(result.json()).contains("[\"http://10.0.0.1:8080/not/a/uri/to/rewrite\", 1.10, null]");
        assertThat(result.summary().queryId()).isEqualTo("20261126_101530_00042_abcde");
        assertThat(result.summary().state()).isEqualTo("RUNNING");
        assertThat(result.summary().hasNextUri()).isTrue();
    }

    @Test
    void givesTheSameBytesWhateverTheChunkBoundaries()
            throws IOException
    {
        String expected = rewrite(RUNNING, RUNNING.length()).json();
        for (int chunkSize = 1; chunkSize < 64; chunkSize++) {
            assertThat(rewrite(RUNNING, chunkSize).json()).as("chunk size %s", chunkSize).isEqualTo(expected);
        }
    }

    @Test
    void rewritesFieldsInAnyOrderAndWithWhitespace()
            throws IOException
    {
        String json = """
                {
                  "stats" : { "state" : "QUEUED" },
                  "nextUri" :   "http://b:1/v1/statement/queued/q1/s/1" ,
                  "id" : "q1",
                  "infoUri":"http://b:1/ui/query.html?q1"
                }
                """;

        Rewritten result = rewrite(json, 7);

        assertThat(result.json()).contains("\"nextUri\" :   \"http://gw:8080/sb/trino-a~tok/v1/statement/queued/q1/s/1\" ,");
        assertThat(result.json()).contains("\"infoUri\":\"http://gw:8080/sb/trino-a~tok/ui/query.html?q1\"");
        assertThat(result.summary().state()).isEqualTo("QUEUED");
        assertThat(result.summary().queryId()).isEqualTo("q1");
    }

    @Test
    void terminalResponseHasNoNextUriAndCarriesTheError()
            throws IOException
    {
        String json = """
                {"id":"q2","infoUri":"http://b:1/ui/query.html?q2","nextUri":null,\
                "stats":{"state":"FAILED"},\
                "error":{"message":"line 1:8: Column 'x' cannot be resolved","errorCode":47,\
                "errorName":"COLUMN_NOT_FOUND","errorType":"USER_ERROR"}}""";

        Rewritten result = rewrite(json, 5);

        assertThat(result.json()).contains("\"nextUri\":null");
        assertThat(result.summary().terminal()).isTrue();
        assertThat(result.summary().state()).isEqualTo("FAILED");
        assertThat(result.summary().errorName()).isEqualTo("COLUMN_NOT_FOUND");
        assertThat(result.summary().errorType()).isEqualTo("USER_ERROR");
        assertThat(result.summary().errorMessage()).isEqualTo("line 1:8: Column 'x' cannot be resolved");
    }

    @Test
    void keepsUnicodeAndEscapesExactly()
            throws IOException
    {
        String json = "{\"id\":\"q3\",\"data\":[[\"Zürich \\u00e9\\\" \uD83D\uDE00\"]],"
                + "\"nextUri\":\"http:\\/\\/b:1\\/v1\\/statement\\/executing\\/q3\\/s\\/3\"}";

        Rewritten result = rewrite(json, 3);

        assertThat(result.json()).startsWith("{\"id\":\"q3\",\"data\":[[\"Zürich \\u00e9\\\" \uD83D\uDE00\"]],");
        assertThat(result.json()).endsWith("\"nextUri\":\"http://gw:8080/sb/trino-a~tok/v1/statement/executing/q3/s/3\"}");
    }

    @Test
    void streamsHugeDataWithoutHoldingIt()
            throws IOException
    {
        StringBuilder json = new StringBuilder("{\"id\":\"q4\",\"nextUri\":\"http://b:1/v1/statement/executing/q4/s/1\",\"data\":[");
        for (int row = 0; row < 200_000; row++) {
            json.append(row == 0 ? "" : ",").append("[").append(row).append(",\"value-").append(row).append("\"]");
        }
        json.append("],\"stats\":{\"state\":\"RUNNING\"}}");
        CountingSink sink = new CountingSink();
        StatementResponseRewriter rewriter = new StatementResponseRewriter(JSON, TO_GATEWAY);
        byte[] bytes = json.toString().getBytes(UTF_8);

        for (int offset = 0; offset < bytes.length; offset += 8192) {
            rewriter.feed(bytes, offset, Math.min(8192, bytes.length - offset), sink);
            assertThat(sink.largestWrite).isLessThan(1024);
        }
        StatementSummary summary = rewriter.finish(sink);

        assertThat(sink.total).isEqualTo(bytes.length + "/sb/trino-a~tok".length() + "http://gw:8080".length() - "http://b:1".length());
        assertThat(summary.state()).isEqualTo("RUNNING");
    }

    @Test
    void rewritesSpooledSegmentUris()
            throws IOException
    {
        String json = """
                {"id":"q5","data":{"encoding":"json+zstd","segments":[\
                {"type":"spooled","uri":"http://b:1/v1/spooled/download/abc","ackUri":"http://b:1/v1/spooled/ack/abc",\
                "metadata":{"uri":"http://b:1/keep"}}]},"uri":"http://b:1/keep-root"}""";

        Rewritten result = rewrite(json, 11);

        assertThat(result.json())
                .contains("\"uri\":\"http://gw:8080/sb/trino-a~tok/v1/spooled/download/abc\"")
                .contains("\"ackUri\":\"http://gw:8080/sb/trino-a~tok/v1/spooled/ack/abc\"")
                .contains("\"metadata\":{\"uri\":\"http://b:1/keep\"}")
                .contains("\"uri\":\"http://b:1/keep-root\"");
    }

    @Test
    void refusesTruncatedJson()
            throws IOException
    {
        StatementResponseRewriter rewriter = new StatementResponseRewriter(JSON, TO_GATEWAY);
        byte[] bytes = "{\"id\":\"q6\",\"nextUri\":\"http://b:1/v1/st".getBytes(UTF_8);
        CountingSink sink = new CountingSink();
        rewriter.feed(bytes, 0, bytes.length, sink);

        assertThatThrownBy(() -> rewriter.finish(sink)).isInstanceOf(IOException.class);
    }

    @Test
    void refusesGarbage()
    {
        StatementResponseRewriter rewriter = new StatementResponseRewriter(JSON, TO_GATEWAY);
        byte[] bytes = "<html>oops</html>".getBytes(UTF_8);

        assertThatThrownBy(() -> rewriter.feed(bytes, 0, bytes.length, new CountingSink())).isInstanceOf(IOException.class);
    }

    @Test
    void refusesEveryBodyThatIsNotOneJsonObject()
    {
        List<String> malformed = List.of(
                "", "   ", "[1]", "\"text\"", "{", "{\"a\":1,}", "{\"a\" 1}", "{\"a\":1 \"b\":2}", "{\"a\":tru}", "{\"a\":trueish}",
                "{\"a\":nul}", "{\"a\":01}", "{\"a\":1.}", "{\"a\":-}", "{\"a\":1e}", "{\"a\":.5}", "{\"a\":[1}", "{\"a\":{]}",
                "{\"a\":[1,]}", "{\"a\":\"\u0001\"}", "{\"a\":\"\\q\"}", "{\"a\":\"\\u12g4\"}", "{\"a\":1}{}", "{\"a\":1} x",
                "{a:1}", "{\"a\":'x'}", "{\"nextUri\":\"http://b:1/v1/statement/q",
                "{\"id\":\"q\",\"data\":[[1,2]],\"stats\":{\"state\":\"RUNNING\"}");
        for (String body : malformed) {
            for (int chunkSize : new int[] {1, 3, Math.max(1, body.length())}) {
                assertThatThrownBy(() -> rewrite(body, chunkSize)).as("%s in chunks of %s", body, chunkSize).isInstanceOf(IOException.class);
            }
        }
    }

    @Test
    void acceptsEveryShapeOfValidJsonAndPassesItThroughUnchanged()
            throws IOException
    {
        String json = """
                { "id" : "q7" , "a":-0, "b":1e5, "c":1E+5, "d":-1.5e-3, "e":0.25, "f":[], "g":{}, "h":[[],[{}]],
                  "i":true, "j":false, "k":null, "l":"\\\\\\"\\/\\b\\f\\n\\r\\t\\u00e9", "m\\u00e9":"x",
                  "stats":{"state":"FINISHED","elapsedTimeMillis":1234,"nested":{"state":"not-this"}},
                  "updateType":"CREATE TABLE"
                }
                """;

        for (int chunkSize = 1; chunkSize < 40; chunkSize += 3) {
            Rewritten result = rewrite(json, chunkSize);

            assertThat(result.json()).as("chunk size %s", chunkSize).isEqualTo(json);
            assertThat(result.summary().queryId()).isEqualTo("q7");
            assertThat(result.summary().state()).isEqualTo("FINISHED");
            assertThat(result.summary().elapsedMillis()).isEqualTo(1234);
            assertThat(result.summary().updateType()).isEqualTo("CREATE TABLE");
            assertThat(result.summary().hasNextUri()).isFalse();
        }
    }

    @Test
    void findsFieldsWhoseNamesAreEscaped()
            throws IOException
    {
        String json = "{\"next\\u0055ri\":\"http://b:1/v1/statement/executing/q8/s/1\",\"\\u0069d\":\"q\\u00388\"}";

        Rewritten result = rewrite(json, 4);

        assertThat(result.json()).isEqualTo("{\"next\\u0055ri\":\"http://gw:8080/sb/trino-a~tok/v1/statement/executing/q8/s/1\",\"\\u0069d\":\"q\\u00388\"}");
        assertThat(result.summary().queryId()).isEqualTo("q88");
        assertThat(result.summary().hasNextUri()).isTrue();
    }

    @Test
    void leavesUrisOutsideTheirPlacesAlone()
            throws IOException
    {
        String json = """
                {"columns":[{"name":"x","nextUri":"http://b:1/keep-1"}],"stats":{"infoUri":"http://b:1/keep-2"},\
                "data":[["nextUri","http://b:1/keep-3"]],"nextUri":["http://b:1/keep-4"],"infoUri":null}""";

        Rewritten result = rewrite(json, 6);

        assertThat(result.json()).isEqualTo(json);
        assertThat(result.summary().hasNextUri()).isFalse();
    }

    @Test
    void anErrorMessageOfAnyLengthIsKeptWithoutFailingTheResponse()
            throws IOException
    {
        String message = "x".repeat(200_000);
        String json = "{\"id\":\"q9\",\"error\":{\"message\":\"" + message + "\",\"errorName\":\"GENERIC_INTERNAL_ERROR\"},\"stats\":{\"state\":\"FAILED\"}}";

        Rewritten result = rewrite(json, 8192);

        assertThat(result.json()).isEqualTo(json);
        assertThat(result.summary().errorName()).isEqualTo("GENERIC_INTERNAL_ERROR");
        assertThat(result.summary().errorMessage()).startsWith("xxxx").hasSizeLessThan(message.length());
    }

    @Test
    void findsTheEndOfAStringWhereverItsQuoteEscapeOrControlByteFalls()
            throws IOException
    {
        for (int at = 0; at < 24; at++) {
            String before = "é".repeat(at % 3) + "x".repeat(at);
            String escaped = "{\"data\":[\"" + before + "\\\"q\"],\"id\":\"" + before + "\",\"nextUri\":\"http://b:1/v1/statement/" + before + "\"}";
            for (int chunkSize : new int[] {1, 7, 8, 9, escaped.length()}) {
                Rewritten result = rewrite(escaped, chunkSize);

                assertThat(result.summary().queryId()).as("at %s, chunks of %s", at, chunkSize).isEqualTo(before);
                assertThat(result.json()).endsWith("\"nextUri\":\"http://gw:8080/sb/trino-a~tok/v1/statement/" + before + "\"}");
            }
            String control = "{\"data\":[\"" + before + "\u0007\"]}";
            assertThatThrownBy(() -> rewrite(control, 8)).as("control byte at %s", at).isInstanceOf(IOException.class);
        }
    }

    @Test
    void anObserverSeesEveryTokenAndChangesNoByte()
            throws IOException
    {
        String expected = rewrite(RUNNING, RUNNING.length()).json();
        for (int chunkSize = 1; chunkSize < 64; chunkSize += 7) {
            List<JsonToken> seen = new ArrayList<>();
            Rewritten observed = rewrite(RUNNING, chunkSize, (parser, token) -> seen.add(token));

            assertThat(observed.json()).as("chunk size %s", chunkSize).isEqualTo(expected);
            assertThat(seen).as("chunk size %s", chunkSize).hasSize(39).startsWith(JsonToken.START_OBJECT, JsonToken.FIELD_NAME, JsonToken.VALUE_STRING)
                    .endsWith(JsonToken.END_ARRAY, JsonToken.END_OBJECT);
            assertThat(seen.stream().filter(token -> token == JsonToken.VALUE_NUMBER_FLOAT)).hasSize(1);
        }
    }

    @Test
    void thePublicUriRewriterWritesWhatToPublicGivesWhereverTheChunksSplit()
            throws IOException
    {
        List<String> uris = List.of(
                "http://10.0.0.1:8080/v1/statement/executing/q/s/2",
                "https://b.example/v1/statement/queued/q/s/1?slug=x&n=1",
                "http://10.0.0.1:8080",
                "http://10.0.0.1:8080?query-only",
                "http://host?x=/y",
                "/v1/statement/executing/q/s/3",
                "v1/statement/relative",
                "",
                "/redirect?to=http://other/z",
                "http:\\/\\/b:1\\/v1\\/statement\\/escaped",
                "http://b:1/v1/\\u0073tatement/q/\\\"quoted\\\"",
                "http://b:1/v1/statement/Zürich/q",
                "http://b:1/v1/statement/\uD83D\uDE00/q");
        for (String publicBase : List.of("http://gw:8080", "https://gäteway.example")) {
            for (String uri : uris) {
                String json = "{\"id\":\"q\",\"nextUri\":\"" + uri + "\",\"data\":{\"segments\":[{\"uri\":\"" + uri
                        + "\",\"ackUri\":\"" + uri + "\"}]},\"partialCancelUri\":\"" + uri + "\",\"infoUri\":\"" + uri + "\"}";
                byte[] bytes = json.getBytes(UTF_8);
                String expected = rewrite(bytes, new StatementResponseRewriter(JSON, original -> PublicUris.toPublic(original, publicBase, "trino-a~tok")),
                        List.of(bytes.length)).json();
                assertThat(expected).doesNotContain("10.0.0.1").contains(publicBase + "/sb/trino-a~tok/");
                for (int split = 0; split <= bytes.length; split++) {
                    StatementResponseRewriter rewriter = StatementResponseRewriter.toPublic(JSON, publicBase, "trino-a~tok", null);
                    assertThat(rewrite(bytes, rewriter, List.of(split, bytes.length - split)).json())
                            .as("%s from %s split at %s", uri, publicBase, split).isEqualTo(expected);
                }
                for (int chunkSize = 1; chunkSize < 12; chunkSize++) {
                    StatementResponseRewriter rewriter = StatementResponseRewriter.toPublic(JSON, publicBase, "trino-a~tok", null);
                    assertThat(rewrite(bytes, rewriter, chunks(bytes.length, chunkSize)).json())
                            .as("%s from %s in chunks of %s", uri, publicBase, chunkSize).isEqualTo(expected);
                }
            }
        }
    }

    @Test
    void readsNumbersLiteralsAndWhitespaceCutAtEveryByte()
            throws IOException
    {
        String json = """
                {  "id" :"q10",
                \t"stats": {"elapsedTimeMillis" : 123456789012, "state":"RUNNING", "cpu":-0.5e+10, "rows":1234567890123456789},
                  "data":[[0,-7,12.25,1E3, 98765432109876543210, true,false ,null ],[ ] , { } ],\r
                  "nextUri":"http://b:1/v1/statement/executing/q10/s/4"   }\t
                """;
        byte[] bytes = json.getBytes(UTF_8);
        Rewritten whole = rewrite(json, bytes.length);

        assertThat(whole.summary().elapsedMillis()).isEqualTo(123456789012L);
        assertThat(whole.summary().state()).isEqualTo("RUNNING");
        for (int split = 0; split <= bytes.length; split++) {
            Rewritten cut = rewrite(bytes, new StatementResponseRewriter(JSON, TO_GATEWAY), List.of(split, bytes.length - split));

            assertThat(cut.json()).as("split at %s", split).isEqualTo(whole.json());
            assertThat(cut.summary()).as("split at %s", split).isEqualTo(whole.summary());
        }
    }

    @Test
    void anElapsedTimeThatIsNotAPlainIntegerIsNotTaken()
            throws IOException
    {
        for (String elapsed : List.of("-5", "1.5", "2e3", "99999999999999999999")) {
            String json = "{\"stats\":{\"elapsedTimeMillis\":" + elapsed + "}}";

            assertThat(rewrite(json, 3).summary().elapsedMillis()).as(elapsed).isEqualTo(-1);
        }
    }

    private static Rewritten rewrite(String json, int chunkSize)
            throws IOException
    {
        return rewrite(json, chunkSize, null);
    }

    private static Rewritten rewrite(String json, int chunkSize, StatementResponseRewriter.TokenObserver observer)
            throws IOException
    {
        byte[] bytes = json.getBytes(UTF_8);
        StatementResponseRewriter rewriter = new StatementResponseRewriter(JSON, TO_GATEWAY, observer);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        StatementResponseRewriter.Sink[] sink = new StatementResponseRewriter.Sink[1];
        int[] chunkBase = new int[1];
        sink[0] = new StatementResponseRewriter.Sink()
        {
            @Override
            public void passThrough(int offset, int length)
            {
                out.write(bytes, offset, length);
            }

            @Override
            public void write(byte[] data, int offset, int length)
            {
                out.write(data, offset, length);
            }
        };
        for (int offset = 0; offset < bytes.length; offset += chunkSize) {
            chunkBase[0] = offset;
            rewriter.feed(bytes, offset, Math.min(chunkSize, bytes.length - offset), sink[0]);
        }
        StatementSummary summary = rewriter.finish(sink[0]);
        return new Rewritten(out.toString(UTF_8), summary);
    }

    private static List<Integer> chunks(int length, int chunkSize)
    {
        List<Integer> sizes = new ArrayList<>();
        for (int offset = 0; offset < length; offset += chunkSize) {
            sizes.add(Math.min(chunkSize, length - offset));
        }
        return sizes;
    }

    /** Feeds chunks of the given sizes (a size of 0 is fed too), each in an array of its own, as the network hands them over. */
    private static Rewritten rewrite(byte[] bytes, StatementResponseRewriter rewriter, List<Integer> chunkSizes)
            throws IOException
    {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int offset = 0;
        for (int size : chunkSizes) {
            // a copy with room on both sides: offsets into the chunk must be honoured
            byte[] chunk = new byte[size + 16];
            System.arraycopy(bytes, offset, chunk, 8, size);
            rewriter.feed(chunk, 8, size, new StatementResponseRewriter.Sink()
            {
                @Override
                public void passThrough(int from, int length)
                {
                    assertThat(from).isGreaterThanOrEqualTo(8);
                    assertThat(from + length).isLessThanOrEqualTo(8 + size);
                    out.write(chunk, from, length);
                }

                @Override
                public void write(byte[] data, int from, int length)
                {
                    out.write(data, from, length);
                }
            });
            offset += size;
        }
        StatementSummary summary = rewriter.finish(new CountingSink());
        return new Rewritten(out.toString(UTF_8), summary);
    }

    private record Rewritten(String json, StatementSummary summary) {}

    private static final class CountingSink
            implements StatementResponseRewriter.Sink
    {
        long total;
        int largestWrite;

        @Override
        public void passThrough(int offset, int length)
        {
            total += length;
        }

        @Override
        public void write(byte[] bytes, int offset, int length)
        {
            total += length;
            largestWrite = Math.max(largestWrite, length);
        }
    }
}
