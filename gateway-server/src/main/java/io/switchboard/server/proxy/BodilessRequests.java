package io.switchboard.server.proxy;

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
 * Sits between the HTTP decoder and the aggregator and makes a request without a body (every poll of every query)
 * whole at once: the decoder hands over its head and then an empty last part, and the aggregator would build a
 * composite buffer and a wrapper for nothing. A request that is whole already passes the aggregator untouched.
 * Anything else (a body, an {@code Expect}, a failed decode) goes on exactly as the decoder produced it.
 */
final class BodilessRequests
        extends ChannelInboundHandlerAdapter
{
    static final String NAME = "bodiless";

    private HttpRequest pending;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        HttpRequest head = pending;
        if (head != null) {
            pending = null;
            if (msg instanceof LastHttpContent last && !last.content().isReadable() && last.trailingHeaders().isEmpty() && last.decoderResult().isSuccess()) {
                last.release();
                FullHttpRequest whole = new DefaultFullHttpRequest(head.protocolVersion(), head.method(), head.uri(), Unpooled.EMPTY_BUFFER, head.headers(),
                        EmptyHttpHeaders.INSTANCE);
                whole.setDecoderResult(head.decoderResult());
                ctx.fireChannelRead(whole);
                return;
            }
            ctx.fireChannelRead(head);
            ctx.fireChannelRead(msg);
            return;
        }
        if (msg instanceof HttpRequest request && !(msg instanceof HttpContent) && request.decoderResult().isSuccess() && hasNoBody(request.headers())) {
            pending = request;
            return;
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

    private static boolean hasNoBody(HttpHeaders headers)
    {
        if (headers.contains(HttpHeaderNames.TRANSFER_ENCODING) || headers.contains(HttpHeaderNames.EXPECT)) {
            return false;
        }
        String length = headers.get(HttpHeaderNames.CONTENT_LENGTH);
        return length == null || length.equals("0");
    }
}
