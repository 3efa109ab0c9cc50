package io.switchboard.server.proxy;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

import java.net.URI;
import java.util.Optional;

/** The scheme and authority clients reach the gateway at, put in front of every URI it hands out. */
final class PublicBase
{
    private PublicBase() {}

    /**
     * @param secure whether the client reached the gateway over TLS: then its URIs default to https
     */
    static String of(Optional<URI> configured, HttpHeaders headers, String listenAddress, boolean secure)
    {
        if (configured.isPresent()) {
            URI uri = configured.get();
            return uri.getScheme() + "://" + uri.getRawAuthority();
        }
        String proto = first(headers.get("X-Forwarded-Proto"));
        if (!"https".equalsIgnoreCase(proto)) {
            proto = secure ? "https" : "http";
        }
        String host = first(headers.get("X-Forwarded-Host"));
        if (!isAuthority(host)) {
            host = headers.get(HttpHeaderNames.HOST);
        }
        if (!isAuthority(host)) {
            host = listenAddress;
        }
        return proto.toLowerCase(java.util.Locale.ROOT) + "://" + host;
    }

    private static String first(String value)
    {
        if (value == null) {
            return null;
        }
        int comma = value.indexOf(',');
        return (comma < 0 ? value : value.substring(0, comma)).trim();
    }

    /** Only characters a host and port can have: nothing a client could use to inject into the URIs handed out. */
    private static boolean isAuthority(String value)
    {
        if (value == null || value.isEmpty() || value.length() > 255) {
            return false;
        }
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            boolean allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == ':' || c == '[' || c == ']' || c == '_';
            if (!allowed) {
                return false;
            }
        }
        return true;
    }
}
