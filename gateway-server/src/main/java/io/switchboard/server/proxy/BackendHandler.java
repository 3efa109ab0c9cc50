package io.switchboard.server.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a backend connection: hands each response part to the exchange that owns the connection, or
 * closes the connection when nobody owns it (a pooled connection must not receive anything).
 */
final class BackendHandler
        extends ChannelInboundHandlerAdapter
{
    static final String NAME = "backend";

    private ProxyExchange exchange;

    void attach(ProxyExchange exchange)
    {
        this.exchange = exchange;
    }

    void detach()
    {
        this.exchange = null;
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
