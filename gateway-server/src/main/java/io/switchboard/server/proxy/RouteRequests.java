package io.switchboard.server.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.util.AsciiString;
import io.switchboard.core.protocol.RouteRequestReader;
import io.switchboard.core.spi.RouteRequest;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Iterator;
import java.util.Map;

/** Reads what routing looks at from a submission held by Netty. */
final class RouteRequests
{
    /** The statement kind is in its first keyword; comments before it rarely run long. */
    private static final int SQL_PREFIX_BYTES = 64 * 1024;

    private RouteRequests() {}

    static RouteRequest of(FullHttpRequest request)
    {
        Map<String, String> headers = new HashMap<>(2 * request.headers().size());
        for (Iterator<Map.Entry<CharSequence, CharSequence>> entries = request.headers().iteratorCharSequence(); entries.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> entry = entries.next();
            // header names are ASCII: lower-cased without a locale lookup, and without a copy when already lower case
            headers.putIfAbsent(AsciiString.of(entry.getKey()).toLowerCase().toString(), entry.getValue().toString());
        }
        ByteBuf body = request.content();
        String sql = body.toString(body.readerIndex(), Math.min(body.readableBytes(), SQL_PREFIX_BYTES), StandardCharsets.UTF_8);
        return RouteRequestReader.read(headers, sql);
    }
}
