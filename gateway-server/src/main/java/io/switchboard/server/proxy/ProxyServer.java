package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.switchboard.server.Transport;
import io.switchboard.server.config.BackendConfig;
import io.switchboard.server.config.ServerConfig;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** The client-facing HTTP/1.1 listener and the per-event-loop backend connection pools behind it. */
public final class ProxyServer
{
    private final ServerConfig config;
    private final ProxyContext context;
    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup workerGroup;
    private final Map<EventExecutor, BackendPool> pools;
    private Channel serverChannel;

    public ProxyServer(ServerConfig config, BackendConfig backend, ProxyContext context, Transport transport, EventLoopGroup acceptGroup, EventLoopGroup workerGroup)
    {
        this.config = requireNonNull(config, "config is null");
        this.context = requireNonNull(context, "context is null");
        this.transport = requireNonNull(transport, "transport is null");
        this.acceptGroup = requireNonNull(acceptGroup, "acceptGroup is null");
        this.workerGroup = requireNonNull(workerGroup, "workerGroup is null");
        Map<EventExecutor, BackendPool> perLoop = new HashMap<>();
        for (EventExecutor executor : workerGroup) {
            perLoop.put(executor, new BackendPool((EventLoop) executor, transport.clientChannel(), backend.connectTimeout(), backend.idleTimeout(), backend.maxIdleConnections()));
        }
        this.pools = Map.copyOf(perLoop);
    }

    public InetSocketAddress start()
            throws InterruptedException
    {
        long idleMillis = config.idleTimeout().toMillis();
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<Channel>()
                {
                    @Override
                    protected void initChannel(Channel channel)
                    {
                        channel.pipeline()
                                .addLast("codec", new HttpServerCodec(config.maxInitialLine().bytes(), config.maxHeaderSize().bytes(), 64 * 1024))
                                .addLast("idle", new IdleStateHandler(0, 0, idleMillis, TimeUnit.MILLISECONDS))
                                .addLast("aggregator", new HttpObjectAggregator(config.maxRequestBody().bytes()))
                                .addLast(FrontendHandler.NAME, new FrontendHandler(context, pools.get(channel.eventLoop())));
                    }
                });
        serverChannel = bootstrap.bind(config.listen().host(), config.listen().port()).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    public void stop()
    {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }
}
