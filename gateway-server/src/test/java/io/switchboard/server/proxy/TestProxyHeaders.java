package io.switchboard.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import org.junit.jupiter.api.Test;

/** Hop-by-hop headers stop at the gateway, in any letter case, with whatever the {@code Connection} header names. */
final class TestProxyHeaders
{
    @Test
    void hopByHopHeadersAndThoseConnectionNamesAreRemovedEndToEndOnesStay()
    {
        HttpHeaders headers = message();

        ProxyHeaders.removeHopByHop(headers);

        assertThat(names(headers)).containsExactlyInAnyOrder("X-Trino-User", "Content-Type", "X-Forwarded-For", "Forwarded");
    }

    @Test
    void forwardingHeadersGoTooWhenAsked()
    {
        HttpHeaders headers = message();

        ProxyHeaders.removeHopByHopAndForwarding(headers);

        assertThat(names(headers)).containsExactlyInAnyOrder("X-Trino-User", "Content-Type");
    }

    private static HttpHeaders message()
    {
        return new DefaultHttpHeaders()
                .add("X-Trino-User", "alice")
                .add("Content-Type", "application/json")
                .add("connection", "Keep-Alive, X-Session-Hint")
                .add("CONNECTION", "close")
                .add("x-session-hint", "one")
                .add("Keep-Alive", "timeout=5")
                .add("TRANSFER-ENCODING", "chunked")
                .add("Content-Length", "12")
                .add("Host", "gateway:8080")
                .add("Proxy-Authorization", "Basic Zm9v")
                .add("te", "trailers")
                .add("X-Forwarded-For", "10.0.0.1")
                .add("Forwarded", "for=10.0.0.1");
    }

    private static java.util.List<String> names(HttpHeaders headers)
    {
        return headers.names().stream().toList();
    }
}
