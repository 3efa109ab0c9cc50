package io.switchboard.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.ssl.SslContextBuilder;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.server.config.BackendConfig;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The pool of keep-alive connections to a cluster gives back what a burst opened, and keeps what is in use. */
final class TestBackendPool
{
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, NioIoHandler.newFactory());
    private final EventLoop loop = group.next();
    private OpenConnections cluster;

    @BeforeEach
    void start()
            throws IOException
    {
        cluster = new OpenConnections();
    }

    @AfterEach
    void stop()
            throws IOException
    {
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        cluster.close();
    }

    @Test
    void connectionsLeftIdleByABurstAreClosedHalfAtATimeDownToOne()
            throws Exception
    {
        BackendPool pool = pool(Duration.ofMillis(200));
        openAndReturn(pool, 16);
        assertThat(onLoop(() -> pool.idleConnections(cluster.id()))).isEqualTo(16);

        // 16 -> 8 -> 4 -> 2 -> 1: a single connection left is kept until the idle timeout
        awaitOpen(1);
        Thread.sleep(600);
        assertThat(cluster.open()).isEqualTo(1);
        assertThat(onLoop(() -> pool.idleConnections(cluster.id()))).isEqualTo(1);
    }

    @Test
    void connectionsBorrowedInEveryIntervalAreKept()
            throws Exception
    {
        BackendPool pool = pool(Duration.ofMillis(500));
        openAndReturn(pool, 4);
        // all four are lent and returned many times per interval, as under a steady load of four at once
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1600);
        while (System.nanoTime() < end) {
            onLoop(() -> {
                List<Channel> lent = new ArrayList<>();
                for (int i = 0; i < 4; i++) {
                    Borrower borrower = new Borrower();
                    pool.acquire(cluster.cluster(), false, borrower);
                    BackendPool.Lease lease = borrower.lease.getNow(null);
                    assertThat(lease.reused()).isTrue();
                    lent.add(lease.connected().channel());
                }
                lent.forEach(channel -> pool.release(cluster.id(), channel));
                return null;
            });
            Thread.sleep(10);
        }
        assertThat(cluster.open()).isEqualTo(4);
        assertThat(cluster.accepted()).isEqualTo(4);
    }

    @Test
    void requestsBeyondTheConnectionLimitWaitForAConnectionToBeReturned()
            throws Exception
    {
        BackendPool pool = pool(Duration.ofSeconds(5), 2, Duration.ofSeconds(10));
        List<Channel> lent = borrow(pool, 2);
        Borrower third = new Borrower();
        onLoop(() -> {
            pool.acquire(cluster.cluster(), false, third);
            return null;
        });
        awaitOpen(2);
        assertThat(third.lease).isNotDone();

        onLoop(() -> {
            pool.release(cluster.id(), lent.get(0));
            return null;
        });
        BackendPool.Lease lease = third.lease.get(10, TimeUnit.SECONDS);
        assertThat(lease.reused()).isTrue();
        assertThat(lease.connected().channel()).isSameAs(lent.get(0));
        assertThat(cluster.accepted()).isEqualTo(2);
    }

    @Test
    void aClosedConnectionMakesRoomForTheNextWaiterAndOnesThatGaveUpAreSkipped()
            throws Exception
    {
        BackendPool pool = pool(Duration.ofSeconds(5), 1, Duration.ofSeconds(10));
        List<Channel> lent = borrow(pool, 1);
        Borrower gaveUp = new Borrower();
        Borrower next = new Borrower();
        onLoop(() -> {
            pool.acquire(cluster.cluster(), false, gaveUp);
            pool.acquire(cluster.cluster(), false, next);
            gaveUp.waiting = false;
            return null;
        });
        lent.get(0).close().sync();

        BackendPool.Lease lease = next.lease.get(10, TimeUnit.SECONDS);
        assertThat(lease.reused()).isFalse();
        assertThat(lease.connected().sync().channel().isActive()).isTrue();
        assertThat(gaveUp.lease).isNotDone();
        // the cluster counts a connection once its accept returns, which may be after the gateway's side connected
        awaitAccepted(2);
        awaitOpen(1);
    }

    @Test
    void aRequestStillWaitingAfterTheConnectTimeoutIsToldWhy()
            throws Exception
    {
        BackendPool pool = pool(Duration.ofSeconds(5), 1, Duration.ofMillis(200));
        borrow(pool, 1);
        Borrower waiting = new Borrower();
        onLoop(() -> {
            pool.acquire(cluster.cluster(), false, waiting);
            return null;
        });

        assertThat(waiting.lease).failsWithin(10, TimeUnit.SECONDS)
                .withThrowableThat()
                .withMessageContaining("no connection to cluster alpha became free within 200 ms: all 1 of this thread's connections are busy");
        awaitOpen(1);
        assertThat(cluster.accepted()).isEqualTo(1);
    }

    private BackendPool pool(Duration purgeInterval)
    {
        return pool(purgeInterval, null, null);
    }

    private BackendPool pool(Duration purgeInterval, Integer maxConnections, Duration connectTimeout)
    {
        BackendConfig config = new BackendConfig(connectTimeout, null, Duration.ofMinutes(5), null, maxConnections, purgeInterval, null);
        try {
            return new BackendPool(loop, NioSocketChannel.class, config, SslContextBuilder.forClient().build());
        }
        catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    /** Opens {@code count} connections at once, as a burst does, and returns them all to the pool. */
    private void openAndReturn(BackendPool pool, int count)
            throws Exception
    {
        List<Channel> opened = borrow(pool, count);
        awaitOpen(count);
        onLoop(() -> {
            opened.forEach(channel -> pool.release(cluster.id(), channel));
            return null;
        });
    }

    private List<Channel> borrow(BackendPool pool, int count)
            throws Exception
    {
        List<ChannelFuture> connecting = onLoop(() -> {
            List<ChannelFuture> futures = new ArrayList<>();
            for (int i = 0; i < count; i++) {
                Borrower borrower = new Borrower();
                pool.acquire(cluster.cluster(), false, borrower);
                futures.add(borrower.lease.getNow(null).connected());
            }
            return futures;
        });
        List<Channel> channels = new ArrayList<>();
        for (ChannelFuture future : connecting) {
            channels.add(future.sync().channel());
        }
        return channels;
    }

    private <T> T onLoop(Callable<T> task)
            throws Exception
    {
        return loop.submit(task).get(10, TimeUnit.SECONDS);
    }

    private void awaitAccepted(int expected)
            throws InterruptedException
    {
        await(cluster::accepted, expected);
    }

    private void awaitOpen(int expected)
            throws InterruptedException
    {
        await(cluster::open, expected);
    }

    private static void await(IntSupplier count, int expected)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (count.getAsInt() != expected && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
        assertThat(count.getAsInt()).isEqualTo(expected);
    }

    /** Records the lease it is given, or why it got none. */
    private static final class Borrower
            implements BackendPool.Borrower
    {
        final CompletableFuture<BackendPool.Lease> lease = new CompletableFuture<>();
        volatile boolean waiting = true;

        @Override
        public boolean waiting()
        {
            return waiting;
        }

        @Override
        public void leased(BackendPool.Lease lease)
        {
            this.lease.complete(lease);
        }

        @Override
        public void notLeased(Throwable cause)
        {
            lease.completeExceptionally(cause);
        }
    }

    /** A cluster that accepts connections, never answers, and counts the connections still open. */
    private static final class OpenConnections
            implements AutoCloseable
    {
        private final ServerSocket server = new ServerSocket(0, 64, InetAddress.getLoopbackAddress());
        private final AtomicInteger open = new AtomicInteger();
        private final AtomicInteger accepted = new AtomicInteger();
        private final Cluster cluster = Cluster.of(new ClusterId("alpha"), URI.create("http://127.0.0.1:" + server.getLocalPort()), new RoutingGroup("adhoc"));

        OpenConnections()
                throws IOException
        {
            Thread acceptor = new Thread(this::accept, "open-connections");
            acceptor.setDaemon(true);
            acceptor.start();
        }

        private void accept()
        {
            while (!server.isClosed()) {
                try {
                    Socket socket = server.accept();
                    open.incrementAndGet();
                    accepted.incrementAndGet();
                    Thread reader = new Thread(() -> {
                        try (InputStream in = socket.getInputStream()) {
                            while (in.read() >= 0) {
                                // the pool sends nothing on an idle connection
                            }
                        }
                        catch (IOException ignored) {
                            // closed
                        }
                        open.decrementAndGet();
                    });
                    reader.setDaemon(true);
                    reader.start();
                }
                catch (IOException e) {
                    return;
                }
            }
        }

        Cluster cluster()
        {
            return cluster;
        }

        ClusterId id()
        {
            return cluster.id();
        }

        int open()
        {
            return open.get();
        }

        int accepted()
        {
            return accepted.get();
        }

        @Override
        public void close()
                throws IOException
        {
            server.close();
        }
    }
}
