package io.switchboard.server.proxy;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.protocol.GatewayErrorType;
import io.switchboard.core.protocol.QueryResultsErrors;

/** Builds the client's answer to a failure of the gateway's own. */
final class ErrorResponses
{
    private ErrorResponses() {}

    /**
     * A Trino-shaped JSON error. Inside the statement protocol, failures of clusters and routing answer 200 with a
     * failed query, which clients show as such instead of retrying; everything else keeps its own status.
     */
    static FullHttpResponse queryError(ByteBufAllocator allocator, QueryResultsErrors errors, GatewayError error, boolean statementProtocol, String queryId, String infoUri, boolean keepAlive)
    {
        byte[] body = errors.failedQuery(queryId, infoUri, error);
        int status = statementProtocol && answersAsFailedQuery(error.type()) ? 200 : error.type().httpStatus();
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(status), allocator.buffer(body.length).writeBytes(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** A query waiting in the gateway's queue, as a {@code QUEUED} query whose {@code nextUri} keeps its client polling. */
    static FullHttpResponse queued(ByteBufAllocator allocator, QueryResultsErrors writer, String queryId, String infoUri, String nextUri, long queuedMillis, boolean keepAlive)
    {
        byte[] body = writer.queuedQuery(queryId, infoUri, nextUri, queuedMillis);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, allocator.buffer(body.length).writeBytes(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** An empty answer, such as 204 to a cancelled queued query. */
    static FullHttpResponse empty(ByteBufAllocator allocator, HttpResponseStatus status, boolean keepAlive)
    {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, allocator.buffer(0));
        if (status.code() != 204) {
            response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        }
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return response;
    }

    /** A plain one-line answer for requests that are not HTTP the gateway can read. */
    static FullHttpResponse plain(ByteBufAllocator allocator, HttpResponseStatus status, String message)
    {
        byte[] body = (message + "\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, allocator.buffer(body.length).writeBytes(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        return response;
    }

    private static boolean answersAsFailedQuery(GatewayErrorType type)
    {
        return switch (type) {
            case NO_ELIGIBLE_CLUSTER, BACKEND_CONNECT_FAILED, BACKEND_TIMEOUT, BACKEND_CLOSED, BACKEND_BAD_RESPONSE, INTERNAL, QUEUE_FULL, QUEUE_TIMEOUT,
                    QUEUED_QUERY_GONE -> true;
            default -> false;
        };
    }
}
