package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.server.config.BackendConfig;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Keep-alive connections to clusters, owned by one event loop: a client's exchange borrows a connection on the
 * client's own event loop, so a request and its response never cross threads. Used only from that event loop.
 *
 * <p>Connections are lent most recently used first, so a steady load keeps reusing the same few and the rest of what
 * a burst opened stays untouched. Every purge interval the pool closes half of the connections that stayed idle
 * through the whole interval: a pool grown to thousands by a stall shrinks back within a minute, while a connection
 * that is borrowed now and then is kept until {@code idle-timeout}.
 */
final class BackendPool
{
    /** A borrowed connection, and whether it served an earlier request (then a failure may be a stale connection). */
    record Lease(ChannelFuture connected, boolean reused) {}

    private final EventLoop eventLoop;
    private final Bootstrap bootstrap;
    private final int maxIdlePerCluster;
    private final Map<ClusterId, Idle> idle = new HashMap<>();
    private final SslContext tls;
    private final long idleMillis;

    /**
     * @param tls used for {@code https} clusters
     */
    BackendPool(EventLoop eventLoop, Class<? extends Channel> channelClass, BackendConfig config, SslContext tls)
    {
        this.eventLoop = requireNonNull(eventLoop, "eventLoop is null");
        this.maxIdlePerCluster = config.maxIdleConnections();
        this.tls = requireNonNull(tls, "tls is null");
        Duration connectTimeout = config.connectTimeout();
        long idleMillis = config.idleTimeout().toMillis();
        this.idleMillis = idleMillis;
        this.bootstrap = new Bootstrap()
                .group(eventLoop)
                .channel(channelClass)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, new WriteBufferWaterMark(32 * 1024, 64 * 1024))
                .handler(new ChannelInitializer<Channel>()
                {
                    @Override
                    protected void initChannel(Channel channel)
                    {
                        addHttpHandlers(channel, idleMillis);
                    }
                });
        long purgeMillis = config.idlePurgeInterval().toMillis();
        eventLoop.scheduleAtFixedRate(this::purge, purgeMillis, purgeMillis, TimeUnit.MILLISECONDS);
    }

    private static void addHttpHandlers(Channel channel, long idleMillis)
    {
        channel.pipeline()
                .addLast("codec", new HttpClientCodec(CLUSTER_RESPONSES, false, false))
                .addLast("idle", new IdleStateHandler(idleMillis, 0, 0, TimeUnit.MILLISECONDS))
                .addLast(BackendHandler.NAME, new BackendHandler());
    }

    /**
     * How cluster responses are decoded. Their header names and values are not validated one by one as they are
     * stored: the decoder still parses every line strictly, so nothing a cluster sends can split a header or a
     * response, and the check costs a scan of every header of every poll.
     */
    private static final HttpDecoderConfig CLUSTER_RESPONSES = new HttpDecoderConfig()
            .setMaxInitialLineLength(4096)
            .setMaxHeaderSize(64 * 1024)
            .setMaxChunkSize(64 * 1024)
            .setHeadersFactory(DefaultHttpHeadersFactory.headersFactory().withValidation(false))
            .setTrailersFactory(DefaultHttpHeadersFactory.trailersFactory().withValidation(false));

    Lease acquire(Cluster cluster)
    {
        Idle pooled = idle.get(cluster.id());
        if (pooled != null) {
            ArrayDeque<Channel> channels = pooled.channels;
            while (!channels.isEmpty()) {
                Channel channel = channels.pollLast();
                pooled.unusedSincePurge = Math.min(pooled.unusedSincePurge, channels.size());
                if (channel.isActive()) {
                    return new Lease(channel.newSucceededFuture(), true);
                }
            }
        }
        return connect(cluster);
    }

    /** A new connection, never a pooled one. */
    Lease connect(Cluster cluster)
    {
        if (!cluster.secure()) {
            return new Lease(bootstrap.connect(cluster.uri().getHost(), cluster.port()), false);
        }
        String host = cluster.uri().getHost();
        int port = cluster.port();
        Bootstrap secure = bootstrap.clone().handler(new ChannelInitializer<Channel>()
        {
            @Override
            protected void initChannel(Channel channel)
            {
                // the host name goes into SNI and is checked against the cluster's certificate
                channel.pipeline().addLast("tls", tls.newHandler(channel.alloc(), host, port));
                addHttpHandlers(channel, idleMillis);
            }
        });
        return new Lease(secure.connect(host, port), false);
    }

    /** Returns a connection whose response was read to the end; it keeps reading so that a close is noticed. */
    void release(ClusterId cluster, Channel channel)
    {
        if (!channel.isActive()) {
            return;
        }
        ArrayDeque<Channel> channels = idle.computeIfAbsent(cluster, ignored -> new Idle()).channels;
        if (channels.size() >= maxIdlePerCluster) {
            // connections closed while idle stay queued until met; drop them before refusing a live one
            channels.removeIf(candidate -> !candidate.isActive());
        }
        if (channels.size() >= maxIdlePerCluster) {
            channel.close();
            return;
        }
        channels.addLast(channel);
        channel.read();
    }

    /** Idle pooled connections to a cluster, for tests. */
    int idleConnections(ClusterId cluster)
    {
        Idle pooled = idle.get(cluster);
        return pooled == null ? 0 : pooled.channels.size();
    }

    EventLoop eventLoop()
    {
        return eventLoop;
    }

    /** Closes half of the connections no request needed since the last purge, least recently used first. */
    private void purge()
    {
        for (Idle pooled : idle.values()) {
            ArrayDeque<Channel> channels = pooled.channels;
            channels.removeIf(channel -> !channel.isActive());
            int surplus = Math.min(pooled.unusedSincePurge, channels.size()) / 2;
            for (int i = 0; i < surplus; i++) {
                channels.pollFirst().close();
            }
            pooled.unusedSincePurge = channels.size();
        }
    }

    private static final class Idle
    {
        /** Most recently returned last. */
        final ArrayDeque<Channel> channels = new ArrayDeque<>();
        /** The fewest connections that were idle at once since the last purge: no request needed these. */
        int unusedSincePurge;
    }
}
