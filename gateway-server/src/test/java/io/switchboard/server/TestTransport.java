package io.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.channel.DefaultEventLoopGroup;
import io.netty.channel.EventLoopGroup;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

final class TestTransport
{
    private static final Optional<String> THERE = Optional.empty();

    @Test
    void autoTakesIoUringThenEpollThenNio()
    {
        assertThat(Transport.select("auto", THERE, THERE)).isEqualTo(Transport.IO_URING);
        assertThat(Transport.select("auto", Optional.of("io_uring disabled by sysctl"), THERE)).isEqualTo(Transport.EPOLL);
        assertThat(Transport.select("auto", Optional.of("not Linux"), Optional.of("not Linux"))).isEqualTo(Transport.NIO);
        assertThat(Transport.select("io_uring", THERE, THERE)).isEqualTo(Transport.IO_URING);
    }

    @Test
    void aNamedTransportIsTakenOrStartUpStopsSayingWhy()
    {
        assertThat(Transport.select("epoll", Optional.of("io_uring blocked by seccomp"), THERE)).isEqualTo(Transport.EPOLL);
        assertThat(Transport.select("nio", THERE, THERE)).isEqualTo(Transport.NIO);

        assertThatThrownBy(() -> Transport.select("io_uring", Optional.of("io_uring blocked by seccomp"), THERE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("server.transport: io_uring is not available on this machine (io_uring blocked by seccomp); use auto to fall back");
    }

    @Test
    void thisMachineHasAllThree()
    {
        // the proxy tests run over each of them (TestTransports); a machine without one must not pass them silently
        assertThat(Transport.select("io_uring")).isEqualTo(Transport.IO_URING);
        assertThat(Transport.select("epoll")).isEqualTo(Transport.EPOLL);
        assertThat(Transport.select("auto")).isEqualTo(Transport.IO_URING);
    }

    @Test
    void autoGoesOnToEpollWhenIoUringPassesItsProbeButCannotOpenItsEventLoops()
    {
        List<String> opened = new ArrayList<>();
        List<EventLoopGroup> groups = new ArrayList<>();
        Transport.GroupOpener opener = (transport, threads, name) -> {
            if (transport == Transport.IO_URING && name.equals("switchboard-io")) {
                // as Netty reports a ring the kernel refuses (a small RLIMIT_MEMLOCK before Linux 5.12)
                throw new IllegalStateException("failed to create a child event loop", new RuntimeException("failed to create io_uring ring fd Cannot allocate memory"));
            }
            opened.add(transport.label() + " " + name + " x" + threads);
            EventLoopGroup group = new DefaultEventLoopGroup(threads);
            groups.add(group);
            return group;
        };

        Transport.EventLoops loops = Transport.open("auto", 2, everyTransportThere(), opener);
        try {
            assertThat(loops.transport()).isEqualTo(Transport.EPOLL);
            assertThat(opened).containsExactly("io_uring switchboard-accept x1", "epoll switchboard-accept x1", "epoll switchboard-io x2");
            // the acceptor io_uring did open is let go
            assertThat(groups.get(0).isShuttingDown()).isTrue();
            assertThat(loops.acceptGroup().isShuttingDown()).isFalse();
        }
        finally {
            groups.forEach(EventLoopGroup::shutdownGracefully);
        }
    }

    @Test
    void aNamedTransportWhoseEventLoopsCannotOpenStopsStartUpSayingWhy()
    {
        Transport.GroupOpener refusing = (transport, threads, name) -> {
            throw new IllegalStateException("failed to create a child event loop", new RuntimeException("failed to create io_uring ring fd Cannot allocate memory"));
        };

        assertThatThrownBy(() -> Transport.open("io_uring", 2, everyTransportThere(), refusing))
                .isInstanceOf(IllegalStateException.class)
                .hasMessage("server.transport: io_uring could not open its event loops on this machine (failed to create io_uring ring fd Cannot allocate memory); use auto to fall back");
    }

    private static Function<Transport, Optional<String>> everyTransportThere()
    {
        return transport -> THERE;
    }
}
