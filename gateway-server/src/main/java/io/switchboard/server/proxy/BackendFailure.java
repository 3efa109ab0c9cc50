package io.switchboard.server.proxy;

import io.switchboard.core.protocol.GatewayErrorType;

/** How a backend exchange can fail, in the terms the error answer needs. */
enum BackendFailure
{
    CONNECT(GatewayErrorType.BACKEND_CONNECT_FAILED, "cannot connect to cluster"),
    TIMEOUT(GatewayErrorType.BACKEND_TIMEOUT, "cluster did not answer in time"),
    CLOSED(GatewayErrorType.BACKEND_CLOSED, "cluster closed the connection"),
    BAD_RESPONSE(GatewayErrorType.BACKEND_BAD_RESPONSE, "cluster sent an invalid response");

    private final GatewayErrorType errorType;
    private final String description;

    BackendFailure(GatewayErrorType errorType, String description)
    {
        this.errorType = errorType;
        this.description = description;
    }

    GatewayErrorType errorType()
    {
        return errorType;
    }

    String description()
    {
        return description;
    }
}
