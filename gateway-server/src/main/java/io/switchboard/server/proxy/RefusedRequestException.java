package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.HttpResponseStatus;

/** A request the gateway refuses before routing it: the client gets {@link #status()} and the connection closes. */
final class RefusedRequestException
        extends DecoderException
{
    private final HttpResponseStatus status;

    RefusedRequestException(HttpResponseStatus status, String message)
    {
        super(message);
        this.status = requireNonNull(status, "status is null");
    }

    HttpResponseStatus status()
    {
        return status;
    }
}
