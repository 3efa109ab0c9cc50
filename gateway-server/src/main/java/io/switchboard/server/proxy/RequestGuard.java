package io.switchboard.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.ScheduledFuture;

import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * Guards one client connection against what the HTTP decoder lets through but the gateway will not forward, and
 * against clients that send a request too slowly (slowloris). Two handlers share it: {@link #watch()} sits before the
 * decoder and notices a request's first byte, {@link #check()} sits after the aggregator and sees the whole request.
 *
 * <p>A refused request is not answered here: it goes on to the frontend marked as failed, so that the refusal is
 * answered in order after any earlier pipelined request, and the connection then closes.
 */
final class RequestGuard
{
    static final String WATCH = "request-watch";
    static final String CHECK = "request-check";

    private final long readTimeoutMillis;
    private final long readTimeoutNanos;
    private ChannelHandlerContext checkContext;
    private ScheduledFuture<?> deadline;
    // when the request being read began, or 0 between requests
    private long requestStartedNanos;
    private boolean expired;

    RequestGuard(Duration readTimeout)
    {
        this.readTimeoutMillis = readTimeout.toMillis();
        this.readTimeoutNanos = readTimeout.toNanos();
    }

    ChannelHandler watch()
    {
        return new Watch();
    }

    ChannelHandler check()
    {
        return new Check();
    }

    /** Why a whole request is refused, or null when it may go on. */
    static RefusedRequestException refusal(FullHttpRequest request)
    {
        String uri = request.uri();
        for (int i = 0; i < uri.length(); i++) {
            char c = uri.charAt(i);
            if (c <= 0x20 || c >= 0x7f) {
                return new RefusedRequestException(HttpResponseStatus.BAD_REQUEST, "the request target must be printable ASCII; percent-encode other characters");
            }
        }
        HttpHeaders headers = request.headers();
        Iterator<String> hosts = headers.valueStringIterator(HttpHeaderNames.HOST);
        if (hosts.hasNext()) {
            hosts.next();
            if (hosts.hasNext()) {
                return new RefusedRequestException(HttpResponseStatus.BAD_REQUEST, "more than one Host header");
            }
        }
        if (!headers.contains(HttpHeaderNames.TRANSFER_ENCODING)) {
            return null;
        }
        for (String codings : headers.getAll(HttpHeaderNames.TRANSFER_ENCODING)) {
            for (String coding : codings.split(",")) {
                String name = coding.trim().toLowerCase(Locale.ROOT);
                if (!name.isEmpty() && !name.equals("chunked")) {
                    return new RefusedRequestException(HttpResponseStatus.BAD_REQUEST, "transfer coding '" + coding.trim() + "' is not supported");
                }
            }
        }
        return null;
    }

    /**
     * A request's first bytes arrived. One timer per connection watches it, scheduled once and moved on from there,
     * rather than a timer scheduled and cancelled for every request.
     */
    private void arm(ChannelHandlerContext ctx)
    {
        if (requestStartedNanos != 0 || expired) {
            return;
        }
        requestStartedNanos = System.nanoTime() | 1;
        if (deadline == null) {
            deadline = ctx.executor().schedule(() -> onTimer(ctx), readTimeoutMillis, TimeUnit.MILLISECONDS);
        }
    }

    /** The request arrived whole: the timer stays, and finds nothing to do unless another request is slow. */
    private void requestRead()
    {
        requestStartedNanos = 0;
    }

    private void disarm()
    {
        requestStartedNanos = 0;
        if (deadline != null) {
            deadline.cancel(false);
            deadline = null;
        }
    }

    private void onTimer(ChannelHandlerContext ctx)
    {
        deadline = null;
        if (requestStartedNanos == 0 || expired || !ctx.channel().isActive()) {
            // between requests: the next request's first bytes schedule the timer again
            return;
        }
        long remaining = requestStartedNanos + readTimeoutNanos - System.nanoTime();
        if (remaining > 0) {
            deadline = ctx.executor().schedule(() -> onTimer(ctx), remaining, TimeUnit.NANOSECONDS);
            return;
        }
        expire();
    }

    private void expire()
    {
        if (checkContext == null) {
            return;
        }
        expired = true;
        FullHttpRequest timedOut = new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, HttpMethod.GET, "/", Unpooled.EMPTY_BUFFER);
        timedOut.setDecoderResult(DecoderResult.failure(new RefusedRequestException(HttpResponseStatus.REQUEST_TIMEOUT,
                "the request did not arrive whole within " + readTimeoutMillis + " ms")));
        checkContext.fireChannelRead(timedOut);
        checkContext.fireChannelReadComplete();
    }

    private final class Watch
            extends ChannelInboundHandlerAdapter
    {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg)
        {
            if (msg instanceof ByteBuf bytes && bytes.isReadable()) {
                arm(ctx);
            }
            ctx.fireChannelRead(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx)
        {
            disarm();
            ctx.fireChannelInactive();
        }
    }

    private final class Check
            extends ChannelInboundHandlerAdapter
    {
        @Override
        public void handlerAdded(ChannelHandlerContext ctx)
        {
            checkContext = ctx;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg)
        {
            if (msg instanceof FullHttpRequest request) {
                requestRead();
                if (request.decoderResult().isSuccess()) {
                    RefusedRequestException refusal = refusal(request);
                    if (refusal != null) {
                        request.setDecoderResult(DecoderResult.failure(refusal));
                    }
                }
            }
            ctx.fireChannelRead(msg);
        }
    }
}
