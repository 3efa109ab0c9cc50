package io.switchboard.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * Sits between the HTTP decoder and the aggregator and makes a request whole at once when the decoder handed over its
 * head and then its whole body as one last part: every poll of every query (no body) and every submission whose SQL
 * arrived with its head. The aggregator would build a composite buffer and a wrapper around the one part; here the
 * request takes the part's buffer as it is. A request that is whole already passes the aggregator untouched.
 * Anything else (a body in several parts, chunked framing, an {@code Expect}, a body over the limit, a failed decode)
 * goes on exactly as the decoder produced it, for the aggregator to gather or refuse.
 */
final class WholeRequests
        extends ChannelInboundHandlerAdapter
{
    static final String NAME = "whole";

    private final long maxBody;
    private HttpRequest pending;
    private long pendingLength;

    /**
     * @param maxBody the aggregator's limit: a longer body goes to the aggregator, which answers it
     */
    WholeRequests(long maxBody)
    {
        this.maxBody = maxBody;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        HttpRequest head = pending;
        if (head != null) {
            pending = null;
            if (msg instanceof LastHttpContent last && last.content().readableBytes() == pendingLength && last.trailingHeaders().isEmpty()
                    && last.decoderResult().isSuccess()) {
                ByteBuf body = pendingLength == 0 ? Unpooled.EMPTY_BUFFER : last.content();
                if (pendingLength == 0) {
                    last.release();
                }
                FullHttpRequest whole = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), body, head.headers(), EmptyHttpHeaders.INSTANCE);
                whole.setDecoderResult(head.decoderResult());
                ctx.fireChannelRead(whole);
                return;
            }
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpRequest request && !(msg instanceof HttpContent) && request.decoderResult().isSuccess()) {
            long length = bodyLength(request.headers());
            if (length >= 0 && length <= maxBody) {
                pending = request;
                pendingLength = length;
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx)
    {
        // a head without its end: the aggregator would drop it too
        pending = null;
        ctx.fireChannelInactive();
    }

    /** The body's length when the head fixes it and nothing asks for more than reading it, else -1. */
    private static long bodyLength(HttpHeaders headers)
    {
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || headers.contains(HttpHeaderNames.EXPECT)) {
            return -1;
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        if (length == null) {
            return 0;
        }
        try {
            return Long.parseLong(length.trim());
        }
        catch (NumberFormatException e) {
            return -1;
        }
    }
}
