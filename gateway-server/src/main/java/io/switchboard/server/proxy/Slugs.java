package io.switchboard.server.proxy;

import java.security.SecureRandom;
import java.util.HexFormat;

/** Unguessable secrets in the URIs of queued queries, so that only the client that submitted one can poll or cancel it. */
final class Slugs
{
    private static final SecureRandom RANDOM = new SecureRandom();

    private Slugs() {}

    static String next()
    {
        byte[] bytes = new byte[12];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
