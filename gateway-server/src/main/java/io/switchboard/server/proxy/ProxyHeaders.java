package io.switchboard.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** Which headers cross the proxy: hop-by-hop headers never do, forwarding headers only where a cluster allows them. */
final class ProxyHeaders
{
    private static final Set<AsciiString> HOP_BY_HOP = Set.of(
            HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE,
            AsciiString.cached("proxy-connection"),
            HttpHeaderNames.PROXY_AUTHENTICATE,
            HttpHeaderNames.PROXY_AUTHORIZATION,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE,
            HttpHeaderNames.CONTENT_LENGTH,
            HttpHeaderNames.HOST);

    private static final Set<AsciiString> FORWARDING = Set.of(
            AsciiString.cached("x-forwarded-for"),
            AsciiString.cached("x-forwarded-proto"),
            AsciiString.cached("x-forwarded-host"),
            AsciiString.cached("x-forwarded-port"),
            AsciiString.cached("x-forwarded-prefix"),
            AsciiString.cached("x-real-ip"),
            AsciiString.cached("forwarded"));

    private ProxyHeaders() {}

    /**
     * Copies the end-to-end headers; {@code Content-Length}, {@code Host} and framing are set by the caller.
     *
     * @param dropForwarding leave out {@code X-Forwarded-*} and {@code Forwarded}
     */
    static void copyEndToEnd(HttpHeaders from, HttpHeaders to, boolean dropForwarding)
    {
        Set<String> named = connectionTokens(from);
        for (Iterator<Map.Entry<CharSequence, CharSequence>> headers = from.iteratorCharSequence(); headers.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = headers.next();
            AsciiString name = AsciiString.of(header.getKey()).toLowerCase();
            if (HOP_BY_HOP.contains(name) || (dropForwarding && FORWARDING.contains(name))) {
                continue;
            }
            if (!named.isEmpty() && named.contains(name.toString())) {
                continue;
            }
            to.add(header.getKey(), header.getValue());
        }
    }

    /**
     * Removes the hop-by-hop headers of a message that is forwarded as it is: those listed above, and those its
     * {@code Connection} header names. {@code Content-Length}, {@code Host} and framing are set by the caller.
     */
    static void removeHopByHop(HttpHeaders headers)
    {
        Set<String> named = connectionTokens(headers);
        for (AsciiString name : HOP_BY_HOP) {
            headers.remove(name);
        }
        for (String name : named) {
            headers.remove(name);
        }
    }

    /** Removes {@code X-Forwarded-*}, {@code X-Real-IP} and {@code Forwarded}. */
    static void removeForwarding(HttpHeaders headers)
    {
        for (AsciiString name : FORWARDING) {
            headers.remove(name);
        }
    }

    /** Header names listed in {@code Connection}, which are hop-by-hop for this message. */
    private static Set<String> connectionTokens(HttpHeaders headers)
    {
        List<String> values = headers.getAll(HttpHeaderNames.CONNECTION);
        if (values.isEmpty()) {
            return Set.of();
        }
        java.util.HashSet<String> tokens = new java.util.HashSet<>();
        for (String value : values) {
            for (String token : value.split(",")) {
                String trimmed = token.trim().toLowerCase(Locale.ROOT);
                if (!trimmed.isEmpty() && !trimmed.equals("keep-alive") && !trimmed.equals("close")) {
                    tokens.add(trimmed);
                }
            }
        }
        return tokens;
    }
}
