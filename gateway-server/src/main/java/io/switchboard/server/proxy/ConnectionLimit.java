package io.switchboard.server.proxy;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Caps the client connections open at once. A connection past the cap gets a plain {@code 503} and is closed: it
 * never reaches the proxy's handlers, so it costs no request parsing and no backend work.
 */
final class ConnectionLimit
{
    private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);
    static final String MESSAGE = "Too many connections to the gateway: try again in a moment\n";
    private static final byte[] REFUSAL = ("HTTP/1.1 503 Service Unavailable\r\n"
            + "Content-Type: text/plain; charset=utf-8\r\n"
            + "Content-Length: " + MESSAGE.length() + "\r\n"
            + "Connection: close\r\n"
            + "\r\n"
            + MESSAGE).getBytes(US_ASCII);
    /** Long enough for the client to read the refusal before the close; reading meanwhile avoids a reset. */
    private static final long LINGER_MILLIS = 1000;

    private final int max;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    ConnectionLimit(int max)
    {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1");
        }
        this.max = max;
    }

    /**
     * Counts a new connection until it closes; false when it is one too many. A refused connection counts too while
     * it lingers, so a flood of them cannot push the gateway past its file descriptors.
     */
    boolean admit(Channel channel)
    {
        int now = open.incrementAndGet();
        channel.closeFuture().addListener(closed -> open.decrementAndGet());
        if (now <= max) {
            return true;
        }
        if (refused.getAndIncrement() % 1000 == 0) {
            log.warn("event=connection_refused reason=max_connections max_connections={} refused_so_far={}", max, refused.get());
        }
        return false;
    }

    int open()
    {
        return open.get();
    }

    /** The whole pipeline of a refused connection: answers 503, discards whatever the client sends, and closes. */
    static ChannelInboundHandlerAdapter refusal()
    {
        return new Refusal();
    }

    private static final class Refusal
            extends ChannelInboundHandlerAdapter
    {
        private ScheduledFuture<?> close;

        @Override
        public void channelActive(ChannelHandlerContext ctx)
        {
            ctx.channel().config().setOption(ChannelOption.AUTO_READ, true);
            ctx.writeAndFlush(Unpooled.wrappedBuffer(REFUSAL));
            close = ctx.executor().schedule(() -> ctx.close(), LINGER_MILLIS, TimeUnit.MILLISECONDS);
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg)
        {
            ReferenceCountUtil.release(msg);
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx)
        {
            if (close != null) {
                close.cancel(false);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
        {
            ctx.close();
        }
    }
}
