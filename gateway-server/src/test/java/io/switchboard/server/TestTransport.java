package io.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
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
}
