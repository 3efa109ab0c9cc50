package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.EventExecutor;
import io.netty.handler.ssl.SslContext;
import io.switchboard.server.TlsContexts;
import io.switchboard.server.Transport;
import io.switchboard.server.config.BackendConfig;
import io.switchboard.server.config.ServerConfig;

import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The client-facing HTTP/1.1 listener and the per-event-loop backend connection pools behind it. */
public final class ProxyServer
{
    private static final String TLS = "tls";
    private static final String REFUSAL = "refusal";
    // the frontend bounds pipelined requests itself and stops reading at its bound; the codec's own bound only has
    // to let one socket read's worth of small requests through
    private static final int CODEC_PIPELINE_DEPTH = 4096;

    private final ServerConfig config;
    private final ProxyContext context;
    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup workerGroup;
    private final Map<EventExecutor, BackendPool> pools;
    private final ConnectionLimit connectionLimit;
    private final Optional<SslContext> tls;
    private Channel serverChannel;

    public ProxyServer(ServerConfig config, BackendConfig backend, ProxyContext context, Transport transport, EventLoopGroup acceptGroup, EventLoopGroup workerGroup)
    {
        this.config = requireNonNull(config, "config is null");
        this.context = requireNonNull(context, "context is null");
        this.transport = requireNonNull(transport, "transport is null");
        this.acceptGroup = requireNonNull(acceptGroup, "acceptGroup is null");
        this.workerGroup = requireNonNull(workerGroup, "workerGroup is null");
        this.connectionLimit = new ConnectionLimit(config.maxConnections());
        this.tls = config.configuredTls().map(TlsContexts::server);
        SslContext backendTls = TlsContexts.backend(backend.configuredTls());
        Map<EventExecutor, BackendPool> perLoop = new HashMap<>();
        for (EventExecutor executor : workerGroup) {
            perLoop.put(executor, new BackendPool((EventLoop) executor, transport.clientChannel(), backend, backendTls));
        }
        this.pools = Map.copyOf(perLoop);
    }

    public InetSocketAddress start()
            throws InterruptedException
    {
        long idleMillis = config.idleTimeout().toMillis();
        HttpDecoderConfig decoderConfig = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.maxInitialLine().bytes())
                .setMaxHeaderSize(config.maxHeaderSize().bytes())
                .setMaxChunkSize(64 * 1024);
        ServerBootstrap bootstrap = new ServerBootstrap()
                .group(acceptGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.AUTO_READ, false)
                // a client that half-closes after its request still gets the answer
                .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .childHandler(new ChannelInitializer<Channel>()
                {
                    @Override
                    protected void initChannel(Channel channel)
                    {
                        tls.ifPresent(context -> channel.pipeline().addLast(TLS, context.newHandler(channel.alloc())));
                        if (!connectionLimit.admit(channel)) {
                            channel.pipeline().addLast(REFUSAL, ConnectionLimit.refusal());
                            return;
                        }
                        RequestGuard guard = new RequestGuard(config.requestReadTimeout());
                        channel.pipeline()
                                .addLast(RequestGuard.WATCH, guard.watch())
                                .addLast("codec", new HttpServerCodec(decoderConfig, CODEC_PIPELINE_DEPTH))
                                // idle = no bytes from the client: between requests that is a connection to close, and
                                // during one whose answer the client stopped reading, too (FrontendHandler decides).
                                // Reads only: watching writes would put a listener on every write.
                                .addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS))
                                .addLast(WholeRequests.NAME, new WholeRequests(config.maxRequestBody().bytes()))
                                .addLast("aggregator", new HttpObjectAggregator(config.maxRequestBody().bytes()))
                                .addLast(RequestGuard.CHECK, guard.check())
                                .addLast(FrontendHandler.NAME, new FrontendHandler(context, pools.get(channel.eventLoop())));
                    }
                });
        serverChannel = bootstrap.bind(config.listen().host(), config.listen().port()).sync().channel();
        return (InetSocketAddress) serverChannel.localAddress();
    }

    /** Client connections open now, refused ones still lingering included. */
    public int openConnections()
    {
        return connectionLimit.open();
    }

    public void stop()
    {
        if (serverChannel != null) {
            serverChannel.close().syncUninterruptibly();
        }
    }
}
