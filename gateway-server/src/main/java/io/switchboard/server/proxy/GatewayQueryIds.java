package io.switchboard.server.proxy;

import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Makes query ids, in Trino's shape, for queries the gateway fails before any cluster saw them, so that the client
 * and the access log can name them.
 */
public final class GatewayQueryIds
{
    private static final DateTimeFormatter FORMAT = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss").withZone(ZoneOffset.UTC);

    private final Clock clock;
    private final AtomicLong counter = new AtomicLong();

    public GatewayQueryIds(Clock clock)
    {
        this.clock = clock;
    }

    public String next()
    {
        return FORMAT.format(clock.instant()) + String.format("_%05d_gateway", counter.incrementAndGet() % 100_000);
    }
}
