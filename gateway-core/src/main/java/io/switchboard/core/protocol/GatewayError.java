package io.switchboard.core.protocol;

import static java.util.Objects.requireNonNull;

/** A failure of the gateway's own, with the message the client sees. */
public record GatewayError(GatewayErrorType type, String message)
{
    public GatewayError
    {
        requireNonNull(type, "type is null");
        requireNonNull(message, "message is null");
    }
}
