package io.switchboard.core.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonFactory;

import java.io.IOException;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

final class TestResultDigest
{
    private static final JsonFactory JSON = new JsonFactory();

    @Test
    void countsTheRowsOfData()
            throws IOException
    {
        ResultDigest digest = digest(page("[1,\"a\"],[2,\"b\"],[3,null]"), 4096);

        assertThat(digest.rows()).isEqualTo(3);
        assertThat(digest.spooled()).isFalse();
    }

    @Test
    void aResponseWithoutDataHasNoRows()
            throws IOException
    {
        ResultDigest digest = digest("{\"id\":\"q\",\"stats\":{\"state\":\"QUEUED\"},\"columns\":[[\"not\",\"rows\"]]}", 4096);

        assertThat(digest.rows()).isZero();
        assertThat(digest.checksum()).isZero();
    }

    @Test
    void theChecksumIgnoresRowOrder()
            throws IOException
    {
        assertThat(digest(page("[1,\"a\"],[2,\"b\"],[3,\"c\"]"), 4096).checksum())
                .isEqualTo(digest(page("[3,\"c\"],[1,\"a\"],[2,\"b\"]"), 4096).checksum());
    }

    @Test
    void theChecksumIsTheSameWhateverTheChunkBoundaries()
            throws IOException
    {
        String json = page("[1,\"Zürich \\u00e9\"],[2.5,{\"k\":[1,2]}],[true,false],[null,\"x\"]");
        long expected = digest(json, json.length()).checksum();

        for (int chunkSize = 1; chunkSize < 40; chunkSize++) {
            ResultDigest digest = digest(json, chunkSize);
            assertThat(digest.checksum()).as("chunk size %s", chunkSize).isEqualTo(expected);
            assertThat(digest.rows()).isEqualTo(4);
        }
    }

    @Test
    void theChecksumSeesEveryValueAndItsColumn()
            throws IOException
    {
        long base = digest(page("[1,\"a\"],[2,\"b\"]"), 4096).checksum();

        assertThat(digest(page("[1,\"a\"],[2,\"c\"]"), 4096).checksum()).isNotEqualTo(base);
        assertThat(digest(page("[\"a\",1],[2,\"b\"]"), 4096).checksum()).as("values swapped between columns").isNotEqualTo(base);
        assertThat(digest(page("[\"1\",\"a\"],[2,\"b\"]"), 4096).checksum()).as("a number against a string").isNotEqualTo(base);
        assertThat(digest(page("[1,\"a\"],[1,\"a\"],[2,\"b\"]"), 4096).checksum()).as("a duplicated row").isNotEqualTo(base);
        assertThat(digest(page("[1,\"a\"],[1,\"a\"]"), 4096).checksum()).isNotEqualTo(digest(page("[2,\"b\"],[2,\"b\"]"), 4096).checksum());
        assertThat(digest(page("[[1,2]]"), 4096).checksum()).isNotEqualTo(digest(page("[[2,1]]"), 4096).checksum());
        assertThat(digest(page("[[]]"), 4096).checksum()).isNotEqualTo(digest(page("[{}]"), 4096).checksum());
    }

    @Test
    void theChecksumComparesValuesNotTheirSpelling()
            throws IOException
    {
        assertThat(digest(page("[1.50, \"\\u0041\"]"), 4096).checksum()).isEqualTo(digest(page("[1.5,\"A\"]"), 4096).checksum());
        assertThat(digest(page("[{\"a\":1,\"b\":[2]}]"), 4096).checksum()).as("map entries in another order")
                .isEqualTo(digest(page("[{\"b\":[2],\"a\":1}]"), 4096).checksum());
        assertThat(digest(page("[{\"a\":1,\"b\":2}]"), 4096).checksum()).isNotEqualTo(digest(page("[{\"a\":2,\"b\":1}]"), 4096).checksum());
    }

    @Test
    void pagesAddUpToTheWholeResult()
            throws IOException
    {
        ResultDigest whole = digest(page("[1],[2],[3],[4]"), 4096);
        ResultDigest total = new ResultDigest();
        total.add(digest(page("[4],[2]"), 4096));
        total.add(digest(page("[3]"), 4096));
        total.add(digest(page("[1]"), 4096));

        assertThat(total.rows()).isEqualTo(4);
        assertThat(total.checksum()).isEqualTo(whole.checksum());
    }

    @Test
    void onlyTheRootDataCounts()
            throws IOException
    {
        String json = "{\"id\":\"q\",\"stats\":{\"data\":[[9]]},\"data\":[[1]],\"warnings\":[{\"data\":[[8]]}]}";

        ResultDigest digest = digest(json, 4096);

        assertThat(digest.rows()).isEqualTo(1);
        assertThat(digest.checksum()).isEqualTo(digest(page("[1]"), 4096).checksum());
    }

    @Test
    void spooledSegmentsAreNoticed()
            throws IOException
    {
        String json = "{\"id\":\"q\",\"data\":{\"encoding\":\"json+zstd\",\"segments\":[{\"type\":\"spooled\",\"uri\":\"http://b/1\",\"ackUri\":\"http://b/1/ack\"}]}}";

        ResultDigest digest = digest(json, 7);

        assertThat(digest.spooled()).isTrue();
        assertThat(digest.rows()).isZero();
    }

    @Test
    void hexHasSixteenDigits()
    {
        assertThat(ResultDigest.hex(255)).isEqualTo("00000000000000ff");
        assertThat(ResultDigest.hex(-1)).isEqualTo("ffffffffffffffff");
    }

    private static String page(String rows)
    {
        return "{\"id\":\"20261126_101530_00042_abcde\",\"nextUri\":\"http://b:1/v1/statement/executing/q/s/1\","
                + "\"columns\":[{\"name\":\"a\",\"type\":\"bigint\"}],\"data\":[" + rows + "],\"stats\":{\"state\":\"RUNNING\"}}";
    }

    private static ResultDigest digest(String json, int chunkSize)
            throws IOException
    {
        ResultDigest digest = new ResultDigest();
        StatementResponseRewriter rewriter = new StatementResponseRewriter(JSON, UnaryOperator.identity(), digest);
        byte[] bytes = json.getBytes(UTF_8);
        StatementResponseRewriter.Sink discard = new StatementResponseRewriter.Sink()
        {
            @Override
            public void passThrough(int offset, int length) {}

            @Override
            public void write(byte[] written, int offset, int length) {}
        };
        for (int offset = 0; offset < bytes.length; offset += chunkSize) {
            rewriter.feed(bytes, offset, Math.min(chunkSize, bytes.length - offset), discard);
        }
        rewriter.finish(discard);
        return digest;
    }
}
