package io.switchboard.server.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.switchboard.core.ClusterStatus;
import io.switchboard.routing.ClusterRegistry;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The operators' JSON API on the admin port: gateway health and the clusters it knows. */
@ChannelHandler.Sharable
public final class AdminHandler
        extends SimpleChannelInboundHandler<FullHttpRequest>
{
    /** One cluster as the admin API shows it. */
    public record ClusterView(String id, String uri, String routingGroup, String health, boolean healthy, String lastProbe, String lastError) {}

    private final ClusterRegistry registry;
    private final ObjectMapper objectMapper;

    public AdminHandler(ClusterRegistry registry, ObjectMapper objectMapper)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request)
            throws JsonProcessingException
    {
        if (request.decoderResult().isFailure()) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, Map.of("error", "malformed request"));
            return;
        }
        String path = new QueryStringDecoder(request.uri()).path();
        if (!request.method().equals(HttpMethod.GET)) {
            send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, Map.of("error", "method " + request.method() + " is not allowed on " + path));
            return;
        }
        if (path.equals("/v1/gateway/health")) {
            long healthy = registry.snapshot().clusters().stream().filter(ClusterStatus::routable).count();
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("status", "UP");
            body.put("healthyClusters", healthy);
            body.put("clusters", registry.snapshot().clusters().size());
            send(ctx, request, HttpResponseStatus.OK, body);
        }
        else if (path.equals("/v1/gateway/clusters")) {
            send(ctx, request, HttpResponseStatus.OK, registry.snapshot().clusters().stream().map(AdminHandler::view).toList());
        }
        else if (path.startsWith("/v1/gateway/clusters/")) {
            String id = path.substring("/v1/gateway/clusters/".length());
            List<ClusterView> matches = registry.snapshot().clusters().stream().filter(status -> status.id().value().equals(id)).map(AdminHandler::view).toList();
            if (matches.isEmpty()) {
                send(ctx, request, HttpResponseStatus.NOT_FOUND, Map.of("error", "no cluster '" + id + "'"));
            }
            else {
                send(ctx, request, HttpResponseStatus.OK, matches.get(0));
            }
        }
        else {
            send(ctx, request, HttpResponseStatus.NOT_FOUND, Map.of("error", "no such resource: " + path));
        }
    }

    private static ClusterView view(ClusterStatus status)
    {
        return new ClusterView(
                status.id().value(),
                status.cluster().uri().toString(),
                status.cluster().routingGroup().name(),
                status.health().name(),
                status.routable(),
                status.lastProbe().map(Instant::toString).orElse(null),
                status.lastError().orElse(null));
    }

    private void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, Object body)
            throws JsonProcessingException
    {
        byte[] json = objectMapper.writeValueAsBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ctx.alloc().buffer(json.length).writeBytes(json));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
