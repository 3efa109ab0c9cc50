package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;

import java.util.ArrayList;
import java.util.List;

import org.junit.jupiter.api.Test;

class TestWholeRequests
{
    @Test
    void aPollIsWholeBeforeTheAggregatorAndKeepsItsHeadAndHeaders()
    {
        List<FullHttpRequest> requests = decode("GET /v1/statement/executing/q1/t/1 HTTP/1.1\r\nHost: gw\r\nX-Trino-User: alice\r\n\r\n");

        assertThat(requests).hasSize(1);
        FullHttpRequest poll = requests.get(0);
        assertThat(poll.decoderResult().isSuccess()).isTrue();
        assertThat(poll.method()).isEqualTo(HttpMethod.GET);
        assertThat(poll.uri()).isEqualTo("/v1/statement/executing/q1/t/1");
        assertThat(poll.headers().get("X-Trino-User")).isEqualTo("alice");
        assertThat(poll.content().readableBytes()).isZero();
        poll.release();
    }

    @Test
    void requestsWithBodiesPipelinedAmongPollsAreAggregatedAsBefore()
    {
        List<FullHttpRequest> requests = decode("GET /a HTTP/1.1\r\nHost: gw\r\n\r\n"
                + "POST /v1/statement HTTP/1.1\r\nHost: gw\r\nContent-Length: 8\r\n\r\nSELECT 1"
                + "POST /v1/statement HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nSEL\r\n5\r\nECT 2\r\n0\r\n\r\n"
                + "DELETE /b HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\n\r\n");

        assertThat(requests).extracting(FullHttpRequest::uri).containsExactly("/a", "/v1/statement", "/v1/statement", "/b");
        assertThat(requests).extracting(request -> request.content().toString(US_ASCII)).containsExactly("", "SELECT 1", "SELECT 2", "");
        requests.forEach(FullHttpRequest::release);
    }

    @Test
    void aSubmissionWhoseSqlCameWithItsHeadTakesTheDecodersBufferAsItIs()
    {
        List<FullHttpRequest> requests = decode("POST /v1/statement HTTP/1.1\r\nHost: gw\r\nContent-Length: 8\r\nX-Trino-User: bob\r\n\r\nSELECT 1");

        assertThat(requests).hasSize(1);
        FullHttpRequest submission = requests.get(0);
        assertThat(submission.content()).isNotInstanceOf(CompositeByteBuf.class);
        assertThat(submission.content().toString(US_ASCII)).isEqualTo("SELECT 1");
        assertThat(submission.headers().get("X-Trino-User")).isEqualTo("bob");
        submission.release();
    }

    @Test
    void aBodyInSeveralReadsIsGatheredAndOneOverTheLimitRefused()
    {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.copiedBuffer("POST /v1/statement HTTP/1.1\r\nHost: gw\r\nContent-Length: 10\r\n\r\nSELECT", US_ASCII));
        assertThat((Object) channel.readInbound()).isNull();
        channel.writeInbound(Unpooled.copiedBuffer(" 42;", US_ASCII));
        FullHttpRequest split = channel.readInbound();
        assertThat(split.content().toString(US_ASCII)).isEqualTo("SELECT 42;");
        split.release();

        channel.writeInbound(Unpooled.copiedBuffer("POST /v1/statement HTTP/1.1\r\nHost: gw\r\nContent-Length: 2000\r\n\r\n", US_ASCII));
        io.netty.buffer.ByteBuf answer = channel.readOutbound();
        assertThat(answer.toString(US_ASCII)).startsWith("HTTP/1.1 413");
        answer.release();
        channel.finishAndReleaseAll();
    }

    @Test
    void aRequestAskingToContinueStillGetsTheAggregatorsAnswer()
    {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.copiedBuffer("PUT /x HTTP/1.1\r\nHost: gw\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n", US_ASCII));
        io.netty.buffer.ByteBuf answer = channel.readOutbound();
        assertThat(answer.toString(US_ASCII)).startsWith("HTTP/1.1 100 Continue");
        answer.release();

        channel.writeInbound(Unpooled.copiedBuffer("ok", US_ASCII));
        FullHttpRequest put = channel.readInbound();
        assertThat(put.content().toString(US_ASCII)).isEqualTo("ok");
        put.release();
        channel.finishAndReleaseAll();
    }

    private static List<FullHttpRequest> decode(String bytes)
    {
        EmbeddedChannel channel = channel();
        channel.writeInbound(Unpooled.copiedBuffer(bytes, US_ASCII));
        List<FullHttpRequest> requests = new ArrayList<>();
        for (Object message = channel.readInbound(); message != null; message = channel.readInbound()) {
            requests.add((FullHttpRequest) message);
        }
        channel.finishAndReleaseAll();
        return requests;
    }

    private static EmbeddedChannel channel()
    {
        return new EmbeddedChannel(new HttpServerCodec(), new WholeRequests(1024), new HttpObjectAggregator(1024));
    }
}
