package io.switchboard.server.admin;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
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
import io.switchboard.core.protocol.RouteRequestReader;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.LoadTracker;
import io.switchboard.routing.Router;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.Locale;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The operators' JSON API on the admin port: gateway health, the clusters it knows, and routing explained. */
@ChannelHandler.Sharable
public final class AdminHandler
        extends SimpleChannelInboundHandler<FullHttpRequest>
{
    /** One cluster as the admin API shows it. */
    public record ClusterView(
            String id,
            String uri,
            String routingGroup,
            int weight,
            int capacity,
            String health,
            boolean healthy,
            String lastProbe,
            String lastError,
            int queuedQueries,
            int runningQueries,
            String lastLoadProbe,
            String loadError,
            int inFlightThroughGateway,
            String ejectedUntil) {}

    /** The answer of the explain resource. */
    public record Explanation(String outcome, String rule, String group, String cluster, String policy, String error, List<String> steps) {}

    private final ClusterRegistry registry;
    private final Router router;
    private final LoadTracker loadTracker;
    private final ObjectMapper objectMapper;
    private final Clock clock;

    public AdminHandler(ClusterRegistry registry, Router router, LoadTracker loadTracker, ObjectMapper objectMapper, Clock clock)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.router = requireNonNull(router, "router is null");
        this.loadTracker = requireNonNull(loadTracker, "loadTracker is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
        this.clock = requireNonNull(clock, "clock is null");
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
        if (path.equals("/v1/gateway/route/explain")) {
            if (!request.method().equals(HttpMethod.POST)) {
                send(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, Map.of("error", "use POST with {\"headers\": {...}, \"sql\": \"...\"}"));
                return;
            }
            explain(ctx, request);
            return;
        }
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
            send(ctx, request, HttpResponseStatus.OK, registry.snapshot().clusters().stream().map(this::view).toList());
        }
        else if (path.startsWith("/v1/gateway/clusters/")) {
            String id = path.substring("/v1/gateway/clusters/".length());
            List<ClusterView> matches = registry.snapshot().clusters().stream().filter(status -> status.id().value().equals(id)).map(this::view).toList();
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

    private void explain(ChannelHandlerContext ctx, FullHttpRequest request)
            throws JsonProcessingException
    {
        JsonNode body;
        try {
            body = objectMapper.readTree(request.content().toString(StandardCharsets.UTF_8));
        }
        catch (JsonProcessingException e) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, Map.of("error", "body is not JSON: " + e.getOriginalMessage()));
            return;
        }
        if (body == null || !body.isObject() || (body.has("headers") && !body.get("headers").isObject())) {
            send(ctx, request, HttpResponseStatus.BAD_REQUEST, Map.of("error", "expected {\"headers\": {\"X-Trino-User\": \"...\", ...}, \"sql\": \"...\"}"));
            return;
        }
        Map<String, String> headers = new HashMap<>();
        body.path("headers").fields().forEachRemaining(header -> headers.put(header.getKey().toLowerCase(Locale.ROOT), header.getValue().asText()));
        RouteRequest routeRequest = RouteRequestReader.read(headers, body.path("sql").asText(""));
        Router.Decision decision = router.explain(routeRequest);
        Explanation explanation;
        if (decision instanceof Router.Routed routed) {
            explanation = new Explanation("ROUTED", routed.rule(), routed.group().name(), routed.cluster().id().value(), routed.policy(), null, routed.trace());
        }
        else {
            Router.Rejected rejected = (Router.Rejected) decision;
            explanation = new Explanation("REJECTED", rejected.rule(), rejected.group().name(), null, null, rejected.error().message(), rejected.trace());
        }
        send(ctx, request, HttpResponseStatus.OK, explanation);
    }

    private ClusterView view(ClusterStatus status)
    {
        Instant now = clock.instant();
        return new ClusterView(
                status.id().value(),
                status.cluster().uri().toString(),
                status.cluster().routingGroup().name(),
                status.cluster().weight(),
                status.cluster().capacity(),
                status.health().name(),
                status.routable(),
                status.lastProbe().map(Instant::toString).orElse(null),
                status.lastError().orElse(null),
                status.load().queued(),
                status.load().running(),
                status.load().probedAt().map(Instant::toString).orElse(null),
                status.load().error().orElse(null),
                loadTracker.inFlight(status.id()),
                status.ejectedAt(now) ? status.ejectedUntil().map(Instant::toString).orElse(null) : null);
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
