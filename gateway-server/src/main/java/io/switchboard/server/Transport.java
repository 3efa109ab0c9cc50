package io.switchboard.server;

import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;

import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The socket layer of every Netty channel of the gateway: io_uring, epoll or NIO.
 *
 * <p>{@code auto} takes io_uring, then epoll, then NIO: io_uring hands the kernel a whole turn of the event loop's
 * reads and writes in one system call, where epoll makes one per read and per write, and each of those writes can
 * wake the peer and lose the processor to it (see the README's benchmarks). Where io_uring is missing (a kernel
 * before 5.14, {@code kernel.io_uring_disabled}, a container's seccomp profile), {@code auto} goes on to epoll, and so it
 * does when io_uring passes Netty's probe but its event loops cannot be opened (a kernel that still charges rings to
 * a small {@code RLIMIT_MEMLOCK}). A transport named explicitly must be there, or start-up stops and says why.
 */
public enum Transport
{
    IO_URING("io_uring"),
    EPOLL("epoll"),
    NIO("nio");

    public static final String AUTO = "auto";
    private static final Logger log = LoggerFactory.getLogger(Transport.class);

    /** The event loops of the gateway's channels, on the transport that opened them. */
    public record EventLoops(Transport transport, EventLoopGroup acceptGroup, EventLoopGroup workerGroup) {}

    /** Opens one event-loop group, or throws when the transport cannot open one here. */
    interface GroupOpener
    {
        EventLoopGroup open(Transport transport, int threads, String threadName);
    }

    private final String label;

    Transport(String label)
    {
        this.label = label;
    }

    /** The transport for {@code server.transport}: {@code auto}, {@code io_uring}, {@code epoll} or {@code nio}. */
    public static Transport select(String choice)
    {
        return select(choice, Transport::unavailability);
    }

    /**
     * @param ioUringMissing why io_uring cannot be used here, empty when it can
     * @param epollMissing why epoll cannot be used here, empty when it can
     */
    static Transport select(String choice, Optional<String> ioUringMissing, Optional<String> epollMissing)
    {
        return select(choice, transport -> transport == IO_URING ? ioUringMissing : transport == EPOLL ? epollMissing : Optional.empty());
    }

    private static Transport select(String choice, Function<Transport, Optional<String>> missingOf)
    {
        if (choice.equals(AUTO)) {
            // in the order of declaration; NIO is always there
            for (Transport transport : values()) {
                if (missingOf.apply(transport).isEmpty()) {
                    return transport;
                }
            }
        }
        for (Transport transport : values()) {
            if (transport.label.equals(choice)) {
                Optional<String> missing = missingOf.apply(transport);
                if (missing.isPresent()) {
                    throw new IllegalStateException("server.transport: " + choice + " is not available on this machine (" + missing.get() + "); use auto to fall back");
                }
                return transport;
            }
        }
        throw new IllegalArgumentException("server.transport: must be auto, io_uring, epoll or nio, got '" + choice + "'");
    }

    /**
     * Opens the acceptor's event loop and {@code threads} workers on the transport {@code server.transport} names. Under
     * {@code auto} a transport whose event loops fail to open gives way to the next one, with a warning; a named one
     * stops start-up with the reason.
     */
    public static EventLoops open(String choice, int threads)
    {
        return open(choice, threads, Transport::unavailability, (transport, count, name) -> transport.newEventLoopGroup(count, name));
    }

    static EventLoops open(String choice, int threads, Function<Transport, Optional<String>> missingOf, GroupOpener opener)
    {
        if (!choice.equals(AUTO)) {
            Transport named = select(choice, missingOf);
            try {
                return named.open(threads, opener);
            }
            catch (RuntimeException e) {
                throw new IllegalStateException("server.transport: " + choice + " could not open its event loops on this machine (" + describe(e) + "); use auto to fall back", e);
            }
        }
        // as select takes them, going on past one that is there but cannot open its event loops
        for (Transport candidate : values()) {
            if (missingOf.apply(candidate).isPresent()) {
                continue;
            }
            try {
                return candidate.open(threads, opener);
            }
            catch (RuntimeException e) {
                if (candidate == NIO) {
                    throw e;
                }
                log.warn("event=transport_unusable transport={} reason=\"{}\" action=\"trying the next transport\"", candidate.label, describe(e));
            }
        }
        throw new IllegalStateException("NIO is always there");
    }

    private EventLoops open(int threads, GroupOpener opener)
    {
        EventLoopGroup accept = opener.open(this, 1, "switchboard-accept");
        try {
            return new EventLoops(this, accept, opener.open(this, threads, "switchboard-io"));
        }
        catch (RuntimeException e) {
            accept.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        }
    }

    private static String describe(Throwable failure)
    {
        Throwable cause = failure;
        while (cause.getCause() != null && cause.getCause() != cause) {
            cause = cause.getCause();
        }
        return String.valueOf(cause.getMessage() == null ? cause : cause.getMessage());
    }

    private static Optional<String> unavailability(Transport transport)
    {
        try {
            Throwable cause = switch (transport) {
                case IO_URING -> IoUring.isAvailable() ? null : IoUring.unavailabilityCause();
                case EPOLL -> Epoll.isAvailable() ? null : Epoll.unavailabilityCause();
                case NIO -> null;
            };
            return cause == null ? Optional.empty() : Optional.of(String.valueOf(cause.getMessage()));
        }
        catch (LinkageError e) {
            return Optional.of(e.toString());
        }
    }

    public String label()
    {
        return label;
    }

    EventLoopGroup newEventLoopGroup(int threads, String threadName)
    {
        IoHandlerFactory factory = switch (this) {
            case IO_URING -> IoUringIoHandler.newFactory();
            case EPOLL -> EpollIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
        return new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory(threadName, true), factory);
    }

    public Class<? extends ServerChannel> serverChannel()
    {
        return switch (this) {
            case IO_URING -> IoUringServerSocketChannel.class;
            case EPOLL -> EpollServerSocketChannel.class;
            case NIO -> NioServerSocketChannel.class;
        };
    }

    public Class<? extends Channel> clientChannel()
    {
        return switch (this) {
            case IO_URING -> IoUringSocketChannel.class;
            case EPOLL -> EpollSocketChannel.class;
            case NIO -> NioSocketChannel.class;
        };
    }
}
