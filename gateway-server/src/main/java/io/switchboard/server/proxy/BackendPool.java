package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ConnectTimeoutException;
import io.netty.channel.EventLoop;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.handler.codec.http.DefaultHttpHeadersFactory;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
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
 *
 * <p>At most {@code max-connections} connections per cluster are open from one event loop: when a stall releases a
 * backlog of requests at once, they queue for the connections there are instead of each opening its own, so a backlog
 * costs the cluster no connection storm and the gateway no burst of connection state.
 */
final class BackendPool
{
    /** A borrowed connection, and whether it served an earlier request (then a failure may be a stale connection). */
    record Lease(ChannelFuture connected, boolean reused) {}

    /** Who asks for a connection; called back on the pool's event loop, at once or when a connection frees up. */
    interface Borrower
    {
        /** False once the borrower no longer needs the connection it asked for: it is then skipped. */
        boolean waiting();

        void leased(Lease lease);

        /** No connection freed up within the connect timeout. */
        void notLeased(Throwable cause);
    }

    private final EventLoop eventLoop;
    private final Bootstrap bootstrap;
    private final int maxIdlePerCluster;
    private final int maxConnectionsPerCluster;
    private final long connectTimeoutMillis;
    private final Map<ClusterId, Connections> clusters = new HashMap<>();
    private final SslContext tls;
    private final long idleMillis;

    /**
     * @param tls used for {@code https} clusters
     */
    BackendPool(EventLoop eventLoop, Class<? extends Channel> channelClass, BackendConfig config, SslContext tls)
    {
        this.eventLoop = requireNonNull(eventLoop, "eventLoop is null");
        this.maxIdlePerCluster = config.maxIdleConnections();
        this.maxConnectionsPerCluster = config.maxConnections();
        this.tls = requireNonNull(tls, "tls is null");
        Duration connectTimeout = config.connectTimeout();
        this.connectTimeoutMillis = connectTimeout.toMillis();
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

    /**
     * Lends {@code borrower} a connection to {@code cluster}: the most recently returned idle one, a new one while the
     * cluster has fewer than {@code max-connections} on this event loop, or else the first one returned or closed,
     * in the order borrowers asked. A borrower still waiting after the connect timeout is told so instead.
     *
     * @param fresh a new connection, never a pooled one (after a pooled one turned out stale)
     */
    void acquire(Cluster cluster, boolean fresh, Borrower borrower)
    {
        Connections connections = connections(cluster.id());
        if (!fresh) {
            Channel pooled = connections.pollIdle();
            if (pooled != null) {
                borrower.leased(new Lease(pooled.newSucceededFuture(), true));
                return;
            }
        }
        if (connections.open < maxConnectionsPerCluster) {
            borrower.leased(new Lease(connect(cluster, connections), false));
            return;
        }
        Waiter waiter = new Waiter(cluster, borrower);
        waiter.timeout = eventLoop.schedule(() -> {
            if (connections.waiting.remove(waiter) && borrower.waiting()) {
                borrower.notLeased(new ConnectTimeoutException("no connection to cluster " + cluster.id() + " became free within "
                        + connectTimeoutMillis + " ms: all " + maxConnectionsPerCluster + " of this thread's connections are busy"));
            }
        }, connectTimeoutMillis, TimeUnit.MILLISECONDS);
        connections.waiting.addLast(waiter);
    }

    private ChannelFuture connect(Cluster cluster, Connections connections)
    {
        ChannelFuture connecting = cluster.secure() ? secureBootstrap(cluster).connect(cluster.uri().getHost(), cluster.port())
                : bootstrap.connect(cluster.uri().getHost(), cluster.port());
        connections.open++;
        // a connection that failed to connect is closed too: either way its place goes to the next waiter
        connecting.channel().closeFuture().addListener(closed -> {
            connections.open--;
            serveWaiter(connections);
        });
        return connecting;
    }

    private Bootstrap secureBootstrap(Cluster cluster)
    {
        String host = cluster.uri().getHost();
        int port = cluster.port();
        return bootstrap.clone().handler(new ChannelInitializer<Channel>()
        {
            @Override
            protected void initChannel(Channel channel)
            {
                // the host name goes into SNI and is checked against the cluster's certificate
                channel.pipeline().addLast("tls", tls.newHandler(channel.alloc(), host, port));
                addHttpHandlers(channel, idleMillis);
            }
        });
    }

    /** Returns a connection whose response was read to the end; it keeps reading so that a close is noticed. */
    void release(ClusterId cluster, Channel channel)
    {
        if (!channel.isActive()) {
            return;
        }
        Connections connections = connections(cluster);
        Waiter waiter = connections.nextWaiter();
        if (waiter != null) {
            // handed over once the exchange that returned it has ended, not from inside it
            eventLoop.execute(() -> {
                if (waiter.borrower.waiting()) {
                    waiter.borrower.leased(new Lease(channel.newSucceededFuture(), true));
                }
                else {
                    release(cluster, channel);
                }
            });
            return;
        }
        ArrayDeque<Channel> channels = connections.idle;
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

    /** A connection closed: the first borrower still waiting gets a new one in its place. */
    private void serveWaiter(Connections connections)
    {
        if (connections.open >= maxConnectionsPerCluster) {
            return;
        }
        Waiter waiter = connections.nextWaiter();
        if (waiter != null) {
            waiter.borrower.leased(new Lease(connect(waiter.cluster, connections), false));
        }
    }

    private Connections connections(ClusterId cluster)
    {
        Connections connections = clusters.get(cluster);
        if (connections == null) {
            connections = new Connections();
            clusters.put(cluster, connections);
        }
        return connections;
    }

    /** Idle pooled connections to a cluster, for tests. */
    int idleConnections(ClusterId cluster)
    {
        Connections connections = clusters.get(cluster);
        return connections == null ? 0 : connections.idle.size();
    }

    EventLoop eventLoop()
    {
        return eventLoop;
    }

    /** Closes half of the connections no request needed since the last purge, least recently used first. */
    private void purge()
    {
        for (Connections connections : clusters.values()) {
            ArrayDeque<Channel> channels = connections.idle;
            channels.removeIf(channel -> !channel.isActive());
            int surplus = Math.min(connections.unusedSincePurge, channels.size()) / 2;
            for (int i = 0; i < surplus; i++) {
                channels.pollFirst().close();
            }
            connections.unusedSincePurge = channels.size();
        }
    }

    /** Connections to one cluster from this event loop. */
    private static final class Connections
    {
        /** Idle connections, most recently returned last. */
        final ArrayDeque<Channel> idle = new ArrayDeque<>();
        /** Borrowers waiting for a connection because {@link #open} reached the limit, first come first served. */
        final ArrayDeque<Waiter> waiting = new ArrayDeque<>();
        /** The fewest connections that were idle at once since the last purge: no request needed these. */
        int unusedSincePurge;
        /** Connections connecting, lent or idle. */
        int open;

        Channel pollIdle()
        {
            while (!idle.isEmpty()) {
                Channel channel = idle.pollLast();
                unusedSincePurge = Math.min(unusedSincePurge, idle.size());
                if (channel.isActive()) {
                    return channel;
                }
            }
            return null;
        }

        /** The first waiter whose borrower still wants a connection, its timeout cancelled; those that gave up are dropped. */
        Waiter nextWaiter()
        {
            while (!waiting.isEmpty()) {
                Waiter waiter = waiting.pollFirst();
                waiter.timeout.cancel(false);
                if (waiter.borrower.waiting()) {
                    return waiter;
                }
            }
            return null;
        }
    }

    private static final class Waiter
    {
        final Cluster cluster;
        final Borrower borrower;
        ScheduledFuture<?> timeout;

        Waiter(Cluster cluster, Borrower borrower)
        {
            this.cluster = cluster;
            this.borrower = borrower;
        }
    }
}
