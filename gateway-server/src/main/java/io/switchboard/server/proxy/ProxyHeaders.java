package io.switchboard.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.util.AsciiString;

import java.util.ArrayList;
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
        remove(headers, false);
    }

    /** Removes the hop-by-hop headers and the forwarding ones ({@code X-Forwarded-*}, {@code X-Real-IP}, {@code Forwarded}). */
    static void removeHopByHopAndForwarding(HttpHeaders headers)
    {
        remove(headers, true);
    }

    /** Removes {@code X-Forwarded-*}, {@code X-Real-IP} and {@code Forwarded}. */
    static void removeForwarding(HttpHeaders headers)
    {
        for (AsciiString name : FORWARDING) {
            headers.remove(name);
        }
    }

    /**
     * One pass over the message's headers, which are few, rather than a lookup of every name that might be there;
     * only what is found is removed.
     */
    private static void remove(HttpHeaders headers, boolean forwarding)
    {
        List<CharSequence> found = null;
        for (Iterator<Map.Entry<CharSequence, CharSequence>> entries = headers.iteratorCharSequence(); entries.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> header = entries.next();
            CharSequence name = header.getKey();
            int kind = kindOf(name);
            if (kind == KEEP || (kind == FORWARDING_HEADER && !forwarding)) {
                continue;
            }
            if (found == null) {
                found = new ArrayList<>(4);
            }
            found.add(name);
            if (kind == CONNECTION_HEADER) {
                addConnectionTokens(header.getValue().toString(), found);
            }
        }
        if (found != null) {
            for (CharSequence name : found) {
                headers.remove(name);
            }
        }
    }

    private static final int KEEP = 0;
    private static final int HOP_BY_HOP_HEADER = 1;
    private static final int FORWARDING_HEADER = 2;
    private static final int CONNECTION_HEADER = 3;
    /** The names above by length, for a lookup without lower-casing each name. */
    private static final AsciiString[][] NAMES_BY_LENGTH = new AsciiString[32][];

    static {
        List<List<AsciiString>> byLength = new ArrayList<>();
        for (int i = 0; i < NAMES_BY_LENGTH.length; i++) {
            byLength.add(new ArrayList<>());
        }
        HOP_BY_HOP.forEach(name -> byLength.get(name.length()).add(name));
        FORWARDING.forEach(name -> byLength.get(name.length()).add(name));
        for (int i = 0; i < NAMES_BY_LENGTH.length; i++) {
            NAMES_BY_LENGTH[i] = byLength.get(i).toArray(AsciiString[]::new);
        }
    }

    private static int kindOf(CharSequence name)
    {
        if (name.length() >= NAMES_BY_LENGTH.length) {
            return KEEP;
        }
        for (AsciiString candidate : NAMES_BY_LENGTH[name.length()]) {
            if (candidate.contentEqualsIgnoreCase(name)) {
                return candidate.equals(HttpHeaderNames.CONNECTION) ? CONNECTION_HEADER : HOP_BY_HOP.contains(candidate) ? HOP_BY_HOP_HEADER : FORWARDING_HEADER;
            }
        }
        return KEEP;
    }

    private static void addConnectionTokens(String value, List<CharSequence> names)
    {
        for (String token : value.split(",")) {
            String trimmed = token.trim();
            if (!trimmed.isEmpty() && !trimmed.equalsIgnoreCase("keep-alive") && !trimmed.equalsIgnoreCase("close")) {
                names.add(trimmed);
            }
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
