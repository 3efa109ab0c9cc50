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
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.QueryId;
import io.switchboard.core.protocol.RouteRequestReader;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.routing.ClusterAdministration;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.LoadProber;
import io.switchboard.routing.LoadTracker;
import io.switchboard.routing.QueryAffinity;
import io.switchboard.routing.QueryHistory;
import io.switchboard.routing.QueryLocator;
import io.switchboard.routing.Router;
import io.switchboard.routing.WorkerShutdown;
import io.switchboard.routing.shadow.ShadowMirror;

import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operators' JSON API on the admin port: gateway health, clusters and their admin state, recent queries and
 * cancelling them, routing explained, and the shadow report. Every call needs the bearer token, compared in constant time, except
 * health (for load balancers) and, unless {@code metrics.require-token} is set, the metrics scrape. Without a configured
 * token, the API is closed.
 */
@ChannelHandler.Sharable
public final class AdminHandler
        extends SimpleChannelInboundHandler<FullHttpRequest>
{
    private static final Logger log = LoggerFactory.getLogger(AdminHandler.class);
    private static final String CLUSTERS = "/v1/gateway/clusters";
    private static final String QUERIES = "/v1/gateway/queries";
    private static final String RELOAD = "/v1/gateway/config/reload";
    private static final String OPENAPI = "/v1/gateway/openapi.yaml";
    private static final String SHADOW_REPORT = "/v1/gateway/shadow/report";

    /** What the admin API needs from the rest of the gateway. */
    public record Services(
            ClusterRegistry registry,
            Router router,
            LoadTracker loadTracker,
            ClusterAdministration administration,
            QueryHistory history,
            QueryAffinity affinity,
            QueryLocator locator,
            HttpClient httpClient,
            Optional<String> token,
            ConfigReloader reloader,
            WorkerShutdown workerShutdown,
            PrometheusMeterRegistry meterRegistry,
            boolean metricsNeedToken,
            java.util.concurrent.Executor blockingExecutor,
            Clock clock,
            ShadowMirror shadow,
            java.util.function.Supplier<io.switchboard.core.spi.SourceStatus> discoveryStatus,
            java.util.function.Supplier<io.switchboard.core.spi.SourceStatus> stateStoreStatus)
    {
        public Services
        {
            requireNonNull(registry, "registry is null");
            requireNonNull(router, "router is null");
            requireNonNull(loadTracker, "loadTracker is null");
            requireNonNull(administration, "administration is null");
            requireNonNull(history, "history is null");
            requireNonNull(affinity, "affinity is null");
            requireNonNull(locator, "locator is null");
            requireNonNull(httpClient, "httpClient is null");
            requireNonNull(token, "token is null");
            requireNonNull(reloader, "reloader is null");
            requireNonNull(workerShutdown, "workerShutdown is null");
            requireNonNull(meterRegistry, "meterRegistry is null");
            requireNonNull(blockingExecutor, "blockingExecutor is null");
            requireNonNull(clock, "clock is null");
            requireNonNull(shadow, "shadow is null");
            requireNonNull(discoveryStatus, "discoveryStatus is null");
            requireNonNull(stateStoreStatus, "stateStoreStatus is null");
        }
    }

    /**
     * Where clusters or admin states come from, as health shows it: a source that cannot be reached leaves the gateway
     * routing on the last answer it had, since {@code since}.
     */
    public record SourceView(String kind, boolean reachable, String since, String lastContact, String lastError)
    {
        static SourceView of(io.switchboard.core.spi.SourceStatus status)
        {
            return new SourceView(status.kind(), status.reachable(), status.since().toString(), status.lastContact().map(Instant::toString).orElse(null),
                    status.lastError().orElse(null));
        }
    }

    /** One cluster as the admin API shows it. */
    public record ClusterView(
            String id,
            String uri,
            String routingGroup,
            int weight,
            int capacity,
            String adminState,
            boolean drained,
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

    private final Services services;
    private final ObjectMapper objectMapper;
    private final byte[] openApiDocument = loadOpenApi();

    public AdminHandler(Services services, ObjectMapper objectMapper)
    {
        this.services = requireNonNull(services, "services is null");
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request)
            throws JsonProcessingException
    {
        if (request.decoderResult().isFailure()) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "malformed request");
            return;
        }
        QueryStringDecoder uri = new QueryStringDecoder(request.uri());
        String path = uri.path();
        HttpMethod method = request.method();
        if (path.equals("/v1/gateway/health")) {
            health(ctx, request);
            return;
        }
        if (path.equals("/metrics") && method.equals(HttpMethod.GET) && (!services.metricsNeedToken() || authorized(request))) {
            metrics(ctx, request);
            return;
        }
        if (services.token().isEmpty()) {
            error(ctx, request, HttpResponseStatus.FORBIDDEN, "the admin API is closed: set admin.token or SWITCHBOARD_ADMIN_TOKEN to use it");
            return;
        }
        if (!authorized(request)) {
            // never the presented value: a near-miss token in a log is a leaked token
            log.warn("event=admin_unauthorized remote={} method={} path={} authorization_header={}", ctx.channel().remoteAddress(), method, path,
                    request.headers().contains(HttpHeaderNames.AUTHORIZATION) ? "present" : "absent");
            FullHttpResponse response = json(ctx, HttpResponseStatus.UNAUTHORIZED, Map.of("error", "a valid admin token is required: Authorization: Bearer <token>"));
            response.headers().set(HttpHeaderNames.WWW_AUTHENTICATE, "Bearer realm=\"switchboard\"");
            send(ctx, request, response);
            return;
        }
        if (path.equals(OPENAPI) && method.equals(HttpMethod.GET)) {
            openApi(ctx, request);
            return;
        }
        if (path.equals(CLUSTERS) && method.equals(HttpMethod.GET)) {
            send(ctx, request, HttpResponseStatus.OK, services.registry().snapshot().clusters().stream().map(this::view).toList());
        }
        else if (path.startsWith(CLUSTERS + "/") && path.endsWith("/workers/state") && method.equals(HttpMethod.PUT)) {
            shutDownWorkers(ctx, request, path.substring(CLUSTERS.length() + 1, path.length() - "/workers/state".length()));
        }
        else if (path.startsWith(CLUSTERS + "/") && path.endsWith("/state") && method.equals(HttpMethod.PUT)) {
            setState(ctx, request, path.substring(CLUSTERS.length() + 1, path.length() - "/state".length()));
        }
        else if (path.startsWith(CLUSTERS + "/") && method.equals(HttpMethod.GET)) {
            String id = path.substring(CLUSTERS.length() + 1);
            Optional<ClusterStatus> status = find(id);
            if (status.isEmpty()) {
                error(ctx, request, HttpResponseStatus.NOT_FOUND, "no cluster '" + id + "'");
            }
            else {
                send(ctx, request, HttpResponseStatus.OK, view(status.get()));
            }
        }
        else if (path.equals(QUERIES) && method.equals(HttpMethod.GET)) {
            listQueries(ctx, request, uri.parameters());
        }
        else if (path.startsWith(QUERIES + "/") && method.equals(HttpMethod.DELETE)) {
            cancel(ctx, request, path.substring(QUERIES.length() + 1));
        }
        else if (path.equals("/v1/gateway/route/explain") && method.equals(HttpMethod.POST)) {
            explain(ctx, request);
        }
        else if (path.equals(SHADOW_REPORT) && method.equals(HttpMethod.GET)) {
            shadowReport(ctx, request, uri.parameters());
        }
        else if (path.equals(RELOAD) && method.equals(HttpMethod.POST)) {
            // reads the file and may wait for a reload the watcher runs: off the event loop
            respondLater(ctx, HttpUtil.isKeepAlive(request), () -> {
                ConfigReloader.Outcome outcome = services.reloader().reload();
                return json(ctx, outcome.applied() ? HttpResponseStatus.OK : HttpResponseStatus.BAD_REQUEST, outcome);
            });
        }
        else if (isKnown(path)) {
            error(ctx, request, HttpResponseStatus.METHOD_NOT_ALLOWED, "method " + method + " is not allowed on " + path);
        }
        else {
            error(ctx, request, HttpResponseStatus.NOT_FOUND, "no such resource: " + path);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
    {
        log.warn("event=admin_error remote={} cause=\"{}\"", ctx.channel().remoteAddress(), cause.toString());
        byte[] body = "{\"error\":\"internal error of the admin API\"}".getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.INTERNAL_SERVER_ERROR, ctx.alloc().buffer(body.length).writeBytes(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        send(ctx, false, response);
    }

    private static byte[] loadOpenApi()
    {
        try (java.io.InputStream in = AdminHandler.class.getResourceAsStream("/openapi.yaml")) {
            if (in == null) {
                throw new IllegalStateException("openapi.yaml is missing from the jar");
            }
            return in.readAllBytes();
        }
        catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private void metrics(ChannelHandlerContext ctx, FullHttpRequest request)
    {
        String accept = request.headers().get(HttpHeaderNames.ACCEPT, "");
        String contentType = accept.contains("application/openmetrics-text")
                ? "application/openmetrics-text; version=1.0.0; charset=utf-8"
                : "text/plain; version=0.0.4; charset=utf-8";
        byte[] body = services.meterRegistry().scrape(contentType).getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, ctx.alloc().buffer(body.length).writeBytes(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, contentType)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        send(ctx, request, response);
    }

    private void openApi(ChannelHandlerContext ctx, FullHttpRequest request)
    {
        byte[] document = openApiDocument;
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, ctx.alloc().buffer(document.length).writeBytes(document));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/yaml")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, document.length);
        send(ctx, request, response);
    }

    private void health(ChannelHandlerContext ctx, FullHttpRequest request)
            throws JsonProcessingException
    {
        List<ClusterStatus> clusters = services.registry().snapshot().clusters();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", "UP");
        body.put("clusters", clusters.size());
        body.put("healthyClusters", clusters.stream().filter(ClusterStatus::routable).count());
        body.put("activeClusters", clusters.stream().filter(status -> status.routable() && status.adminState().takesNewQueries()).count());
        body.put("discovery", SourceView.of(services.discoveryStatus().get()));
        body.put("stateStore", SourceView.of(services.stateStoreStatus().get()));
        send(ctx, request, HttpResponseStatus.OK, body);
    }

    private void setState(ChannelHandlerContext ctx, FullHttpRequest request, String id)
            throws JsonProcessingException
    {
        if (find(id).isEmpty()) {
            error(ctx, request, HttpResponseStatus.NOT_FOUND, "no cluster '" + id + "'");
            return;
        }
        String allowed = Arrays.toString(AdminState.values());
        AdminState state;
        try {
            JsonNode body = objectMapper.readTree(request.content().toString(StandardCharsets.UTF_8));
            state = AdminState.valueOf(body.path("state").asText("").toUpperCase(Locale.ROOT));
        }
        catch (JsonProcessingException | IllegalArgumentException e) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "expected {\"state\": one of " + allowed + "}");
            return;
        }
        AdminState newState = state;
        // the state is written to disk before it applies: off the event loop
        respondLater(ctx, HttpUtil.isKeepAlive(request), () -> {
            try {
                Optional<ClusterStatus> updated = services.administration().setState(ClusterId.of(id), newState);
                return json(ctx, HttpResponseStatus.OK, view(updated.orElseThrow()));
            }
            catch (IOException e) {
                return json(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, Map.of("error", "cannot store the new state, nothing changed: " + e.getMessage()));
            }
        });
    }

    private void shutDownWorkers(ChannelHandlerContext ctx, FullHttpRequest request, String id)
            throws JsonProcessingException
    {
        Optional<ClusterStatus> status = find(id);
        if (status.isEmpty()) {
            error(ctx, request, HttpResponseStatus.NOT_FOUND, "no cluster '" + id + "'");
            return;
        }
        String state;
        try {
            state = objectMapper.readTree(request.content().toString(StandardCharsets.UTF_8)).path("state").asText("");
        }
        catch (JsonProcessingException e) {
            state = "";
        }
        if (!state.equals("SHUTTING_DOWN")) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "expected {\"state\": \"SHUTTING_DOWN\"}");
            return;
        }
        if (!services.administration().drained(status.get())) {
            error(ctx, request, HttpResponseStatus.CONFLICT, "cluster '" + id + "' is not drained: set it DRAINING and wait until drained is true ("
                    + services.loadTracker().inFlight(status.get().id()) + " queries in flight, admin state " + status.get().adminState() + ")");
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        services.workerShutdown().shutDownWorkers(status.get().cluster()).whenComplete((workers, failure) -> ctx.executor().execute(() -> {
            try {
                if (failure != null) {
                    send(ctx, keepAlive, json(ctx, HttpResponseStatus.BAD_GATEWAY, Map.of("error", "cannot list the workers of '" + id + "': " + failure.getMessage())));
                }
                else {
                    send(ctx, keepAlive, json(ctx, HttpResponseStatus.ACCEPTED, Map.of("cluster", id, "workers", workers)));
                }
            }
            catch (JsonProcessingException e) {
                ctx.close();
            }
        }));
    }

    private void listQueries(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, List<String>> parameters)
            throws JsonProcessingException
    {
        Optional<String> cluster = parameter(parameters, "cluster");
        Optional<String> user = parameter(parameters, "user");
        Optional<String> state = parameter(parameters, "state").map(value -> value.toUpperCase(Locale.ROOT));
        int limit;
        try {
            limit = parameter(parameters, "limit").map(Integer::parseInt).orElse(100);
        }
        catch (NumberFormatException e) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "limit must be a number");
            return;
        }
        if (limit < 1 || limit > 10_000) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "limit must be between 1 and 10000");
            return;
        }
        Predicate<QueryHistory.Entry> filter = entry -> cluster.map(value -> value.equals(entry.cluster())).orElse(true)
                && user.map(value -> value.equals(entry.user())).orElse(true)
                && state.map(value -> value.equals(entry.state()) || (value.equals("RUNNING") && entry.ended() == null)).orElse(true);
        send(ctx, request, HttpResponseStatus.OK, services.history().recent(filter, limit));
    }

    private void shadowReport(ChannelHandlerContext ctx, FullHttpRequest request, Map<String, List<String>> parameters)
            throws JsonProcessingException
    {
        int limit;
        try {
            limit = parameter(parameters, "limit").map(Integer::parseInt).orElse(50);
        }
        catch (NumberFormatException e) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "limit must be a number");
            return;
        }
        if (limit < 0 || limit > 10_000) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "limit must be between 0 and 10000");
            return;
        }
        send(ctx, request, HttpResponseStatus.OK, ShadowReportView.of(services.shadow().report(limit)));
    }

    private void cancel(ChannelHandlerContext ctx, FullHttpRequest request, String id)
            throws JsonProcessingException
    {
        Optional<QueryId> queryId = QueryId.parse(id);
        if (queryId.isEmpty()) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "'" + id + "' is not a query id");
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        CompletableFuture<Optional<ClusterId>> owner = services.affinity().clusterOfQuery(queryId.get())
                .map(cluster -> CompletableFuture.completedFuture(Optional.of(cluster)))
                .orElseGet(() -> services.locator().locate(queryId.get(), Map.of()));
        owner.thenCompose(cluster -> cluster.flatMap(clusterId -> services.registry().snapshot().find(clusterId))
                        .map(status -> kill(status, queryId.get()).thenApply(statusCode -> Optional.of(Map.<String, Object>of(
                                "queryId", queryId.get().value(), "cluster", status.id().value(), "clusterStatus", statusCode))))
                        .orElseGet(() -> CompletableFuture.completedFuture(Optional.empty())))
                .whenComplete((result, failure) -> ctx.executor().execute(() -> {
                    try {
                        if (failure != null) {
                            send(ctx, keepAlive, json(ctx, HttpResponseStatus.BAD_GATEWAY, Map.of("error", "cannot reach the query's cluster: " + failure.getMessage())));
                        }
                        else if (result.isEmpty()) {
                            send(ctx, keepAlive, json(ctx, HttpResponseStatus.NOT_FOUND, Map.of("error", "no cluster knows query " + id)));
                        }
                        else if (!(result.get().get("clusterStatus") instanceof Integer status) || status / 100 != 2) {
                            send(ctx, keepAlive, json(ctx, HttpResponseStatus.BAD_GATEWAY, Map.of("error",
                                    "cluster " + result.get().get("cluster") + " refused to cancel query " + id + " (status " + result.get().get("clusterStatus") + ")")));
                        }
                        else {
                            send(ctx, keepAlive, json(ctx, HttpResponseStatus.ACCEPTED, result.get()));
                        }
                    }
                    catch (JsonProcessingException e) {
                        ctx.close();
                    }
                }));
    }

    private CompletableFuture<Integer> kill(ClusterStatus status, QueryId queryId)
    {
        HttpRequest kill = HttpRequest.newBuilder(status.cluster().endpoint("/v1/query/" + queryId.value()))
                .timeout(Duration.ofSeconds(5))
                .header(status.cluster().userHeader(), LoadProber.PROBE_USER)
                .DELETE()
                .build();
        return services.httpClient().sendAsync(kill, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }

    private void explain(ChannelHandlerContext ctx, FullHttpRequest request)
            throws JsonProcessingException
    {
        JsonNode body;
        try {
            body = objectMapper.readTree(request.content().toString(StandardCharsets.UTF_8));
        }
        catch (JsonProcessingException e) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "body is not JSON: " + e.getOriginalMessage());
            return;
        }
        if (body == null || !body.isObject() || (body.has("headers") && !body.get("headers").isObject())) {
            error(ctx, request, HttpResponseStatus.BAD_REQUEST, "expected {\"headers\": {\"X-Trino-User\": \"...\", ...}, \"sql\": \"...\"}");
            return;
        }
        Map<String, String> headers = new HashMap<>();
        body.path("headers").fields().forEachRemaining(header -> headers.put(header.getKey().toLowerCase(Locale.ROOT), header.getValue().asText()));
        RouteRequest routeRequest = RouteRequestReader.read(headers, body.path("sql").asText(""));
        Router.Decision decision = services.router().explain(routeRequest);
        Explanation explanation;
        if (decision instanceof Router.Routed routed) {
            explanation = new Explanation("ROUTED", routed.rule(), routed.group().name(), routed.cluster().id().value(), routed.policy(), null, routed.trace());
        }
        else if (decision instanceof Router.Held held) {
            explanation = new Explanation("HELD", held.rule(), held.group().name(), null, null, held.reason(), held.trace());
        }
        else {
            Router.Rejected rejected = (Router.Rejected) decision;
            explanation = new Explanation("REJECTED", rejected.rule(), rejected.group().name(), null, null, rejected.error().message(), rejected.trace());
        }
        send(ctx, request, HttpResponseStatus.OK, explanation);
    }

    /** Work that blocks (disk, locks) runs on the blocking executor; its answer is written back on the event loop. */
    private void respondLater(ChannelHandlerContext ctx, boolean keepAlive, java.util.concurrent.Callable<FullHttpResponse> work)
    {
        CompletableFuture.supplyAsync(() -> {
            try {
                return work.call();
            }
            catch (Exception e) {
                throw new java.util.concurrent.CompletionException(e);
            }
        }, services.blockingExecutor()).whenComplete((response, failure) -> ctx.executor().execute(() -> {
            if (failure != null) {
                exceptionCaught(ctx, failure);
                return;
            }
            send(ctx, keepAlive, response);
        }));
    }

    private boolean authorized(FullHttpRequest request)
    {
        if (services.token().isEmpty()) {
            return false;
        }
        String header = request.headers().get(HttpHeaderNames.AUTHORIZATION);
        if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        byte[] presented = header.substring(7).trim().getBytes(StandardCharsets.UTF_8);
        return MessageDigest.isEqual(presented, services.token().get().getBytes(StandardCharsets.UTF_8));
    }

    private Optional<ClusterStatus> find(String id)
    {
        try {
            return services.registry().snapshot().find(ClusterId.of(id));
        }
        catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private ClusterView view(ClusterStatus status)
    {
        Instant now = services.clock().instant();
        return new ClusterView(
                status.id().value(),
                status.cluster().uri().toString(),
                status.cluster().routingGroup().name(),
                status.cluster().weight(),
                status.cluster().capacity(),
                status.adminState().name(),
                services.administration().drained(status),
                status.health().name(),
                status.routable(),
                status.lastProbe().map(Instant::toString).orElse(null),
                status.lastError().orElse(null),
                status.load().queued(),
                status.load().running(),
                status.load().probedAt().map(Instant::toString).orElse(null),
                status.load().error().orElse(null),
                services.loadTracker().inFlight(status.id()),
                status.ejectedAt(now) ? status.ejectedUntil().map(Instant::toString).orElse(null) : null);
    }

    private static boolean isKnown(String path)
    {
        return path.equals(CLUSTERS) || path.startsWith(CLUSTERS + "/") || path.equals(QUERIES) || path.startsWith(QUERIES + "/")
                || path.equals("/v1/gateway/route/explain") || path.equals(RELOAD) || path.equals(SHADOW_REPORT);
    }

    private static Optional<String> parameter(Map<String, List<String>> parameters, String name)
    {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() || values.get(0).isBlank() ? Optional.empty() : Optional.of(values.get(0));
    }

    private void error(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, String message)
            throws JsonProcessingException
    {
        send(ctx, request, status, Map.of("error", message));
    }

    private void send(ChannelHandlerContext ctx, FullHttpRequest request, HttpResponseStatus status, Object body)
            throws JsonProcessingException
    {
        send(ctx, request, json(ctx, status, body));
    }

    private void send(ChannelHandlerContext ctx, FullHttpRequest request, FullHttpResponse response)
    {
        send(ctx, HttpUtil.isKeepAlive(request), response);
    }

    private FullHttpResponse json(ChannelHandlerContext ctx, HttpResponseStatus status, Object body)
            throws JsonProcessingException
    {
        byte[] json = objectMapper.writeValueAsBytes(body);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, ctx.alloc().buffer(json.length).writeBytes(json));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_JSON)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, json.length);
        return response;
    }

    private static void send(ChannelHandlerContext ctx, boolean keepAlive, FullHttpResponse response)
    {
        if (!keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture future = ctx.writeAndFlush(response);
        if (!keepAlive) {
            future.addListener(ChannelFutureListener.CLOSE);
        }
    }
}
