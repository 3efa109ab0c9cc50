package io.switchboard.server.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;

/**
 * The last handler of a backend connection: hands each response part to the exchange that owns the connection, or
 * closes the connection when nobody owns it (a pooled connection must not receive anything).
 */
final class BackendHandler
        extends ChannelInboundHandlerAdapter
{
    static final String NAME = "backend";

    private ProxyExchange exchange;
    private ChannelHandlerContext context;
    // when the owner's response is overdue, or 0 when no response is awaited
    private long responseDeadlineNanos;
    private ScheduledFuture<?> responseTimer;

    void attach(ProxyExchange exchange)
    {
        this.exchange = exchange;
    }

    void detach()
    {
        this.exchange = null;
        this.responseDeadlineNanos = 0;
    }

    /**
     * The owner's request went out: unless its response starts within the timeout, the owner hears of it. One timer
     * per connection watches this, scheduled once and moved on from there, rather than a timer scheduled and
     * cancelled for every request of a pooled connection.
     */
    void awaitResponse(long timeoutNanos)
    {
        responseDeadlineNanos = (System.nanoTime() + timeoutNanos) | 1;
        if (responseTimer == null && context != null) {
            responseTimer = context.executor().schedule(this::onResponseTimer, timeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** The awaited response began (or is no longer awaited): the timer finds nothing to do. */
    void responseStarted()
    {
        responseDeadlineNanos = 0;
    }

    private void onResponseTimer()
    {
        responseTimer = null;
        if (responseDeadlineNanos == 0 || !context.channel().isActive()) {
            // nothing awaited: the next request schedules the timer again
            return;
        }
        long remaining = responseDeadlineNanos - System.nanoTime();
        if (remaining > 0) {
            responseTimer = context.executor().schedule(this::onResponseTimer, remaining, TimeUnit.NANOSECONDS);
            return;
        }
        responseDeadlineNanos = 0;
        ProxyExchange owner = exchange;
        if (owner != null) {
            owner.onResponseTimeout();
        }
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx)
    {
        context = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        ProxyExchange owner = exchange;
        if (owner == null || !(msg instanceof HttpObject)) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        owner.onBackendMessage((HttpObject) msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx)
    {
        responseDeadlineNanos = 0;
        if (responseTimer != null) {
            responseTimer.cancel(false);
            responseTimer = null;
        }
        ProxyExchange owner = exchange;
        exchange = null;
        if (owner != null) {
            owner.onBackendFailure(BackendFailure.CLOSED, null);
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event)
    {
        if (event instanceof IdleStateEvent) {
            ProxyExchange owner = exchange;
            if (owner == null) {
                ctx.close();
            }
            else {
                owner.onBackendIdle();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
    {
        ProxyExchange owner = exchange;
        exchange = null;
        if (owner != null) {
            owner.onBackendFailure(BackendFailure.CLOSED, cause);
        }
        ctx.close();
    }
}
