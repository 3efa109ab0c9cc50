package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.QueryId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.TransactionId;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.protocol.GatewayErrorType;
import io.switchboard.core.protocol.GatewayPaths;
import io.switchboard.core.protocol.HeaderFamily;
import io.switchboard.core.protocol.TransactionTags;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.routing.Router;
import io.switchboard.routing.admission.GatewayQueue;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayDeque;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client connection: reads its requests, decides where each goes, and hands them one at a time to a {@link ProxyExchange}.
 * Requests a client pipelines wait in a bounded queue and are answered in order.
 */
final class FrontendHandler
        extends ChannelInboundHandlerAdapter
{
    static final String NAME = "frontend";
    private static final Logger log = LoggerFactory.getLogger(FrontendHandler.class);

    private final ProxyContext context;
    private final BackendPool pool;
    private final ArrayDeque<FullHttpRequest> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private ProxyExchange current;
    private HeldPoll heldPoll;
    private boolean busy;
    private boolean closing;
    private boolean inputClosed;
    private long receivedNanos;
    // the same for every request of the connection
    private boolean secure;
    private String clientAddress;

    FrontendHandler(ProxyContext context, BackendPool pool)
    {
        this.context = requireNonNull(context, "context is null");
        this.pool = requireNonNull(pool, "pool is null");
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx)
    {
        this.ctx = ctx;
        secure = ctx.pipeline().get(SslHandler.class) != null;
        clientAddress = clientAddress(ctx.channel().remoteAddress());
        context.metrics().connectionOpened();
        // reading all the time keeps the socket's read interest set: no epoll_ctl per request to pause and resume it.
        // Requests that arrive while one is in flight wait in the bounded queue.
        ctx.channel().config().setAutoRead(true);
        ctx.fireChannelActive();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg)
    {
        if (!(msg instanceof FullHttpRequest request) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (busy || !waiting.isEmpty()) {
            if (waiting.size() >= context.maxPipelinedRequests()) {
                // a flood of pipelined requests: answer the current one, then close; writing now would cut into it
                request.release();
                closing = true;
                ctx.channel().config().setAutoRead(false);
                releaseWaiting();
                return;
            }
            waiting.add(request);
            return;
        }
        handle(request);
    }

    private void handle(FullHttpRequest request)
    {
        busy = true;
        receivedNanos = System.nanoTime();
        if (request.decoderResult().isFailure()) {
            Throwable cause = request.decoderResult().cause();
            request.release();
            HttpResponseStatus status = cause instanceof RefusedRequestException refused ? refused.status()
                    : cause instanceof TooLongFrameException ? tooLongStatus(cause) : HttpResponseStatus.BAD_REQUEST;
            rejectAndClose(status, "Bad request: " + (cause == null ? "malformed HTTP" : cause.getMessage()));
            return;
        }
        String uri = request.uri();
        if (!uri.startsWith("/")) {
            request.release();
            rejectAndClose(HttpResponseStatus.BAD_REQUEST, "Bad request: the request target must be a path");
            return;
        }
        RequestInfo info = requestInfo(request);
        Optional<GatewayPaths.QueuedPoll> queuedPoll = GatewayPaths.parseQueued(uri);
        Optional<GatewayPaths.Routed> routed = queuedPoll.isPresent() ? Optional.empty() : GatewayPaths.parseRouted(uri);
        if (queuedPoll.isPresent()) {
            pollQueued(request, info, queuedPoll.get());
        }
        else if (routed.isPresent()) {
            routeFollowUp(request, info, routed.get());
        }
        else if (GatewayPaths.isSubmit(info.method(), info.path())) {
            routeSubmit(request, info);
        }
        else if (!GatewayPaths.isClean(info.path())) {
            fail(request, info, GatewayErrorType.NOT_FOUND, "No such resource: " + info.path(), false);
        }
        else {
            Optional<QueryId> queryId = GatewayPaths.queryIdOf(info.path(), info.query().orElse(null));
            if (queryId.isPresent()) {
                routeByQueryId(request, info, queryId.get());
            }
            else if (info.path().equals("/v1/info") || info.path().startsWith("/ui/") || info.path().equals("/ui")) {
                routeToAnyCluster(request, info);
            }
            else {
                fail(request, info, GatewayErrorType.NOT_FOUND, "No such resource: " + info.path(), false);
            }
        }
    }

    private void routeFollowUp(FullHttpRequest request, RequestInfo info, GatewayPaths.Routed routed)
    {
        Optional<ClusterStatus> cluster = context.tokens().decode(routed.token()).flatMap(id -> context.registry().snapshot().find(id));
        String backendTarget = routed.backendTarget();
        int question = backendTarget.indexOf('?');
        String backendPath = question < 0 ? backendTarget : backendTarget.substring(0, question);
        boolean statement = GatewayPaths.isStatementPath(backendPath);
        if (cluster.isEmpty()) {
            fail(request, info, GatewayErrorType.UNKNOWN_ROUTE, "Unknown or invalid routing token in " + info.path() + ": the query's cluster is not known to this gateway", statement);
            return;
        }
        if (!GatewayPaths.isAllowedRoutedPath(backendPath)) {
            fail(request, info, GatewayErrorType.NOT_FOUND, "No such resource: " + info.path(), statement);
            return;
        }
        RequestKind kind = statement ? RequestKind.STATEMENT_FOLLOW_UP : RequestKind.OTHER;
        forward(request, info, Target.followUp(cluster.get().cluster(), routed.backendTarget(), kind));
    }

    private void routeSubmit(FullHttpRequest request, RequestInfo info)
    {
        String transaction = request.headers().get(info.family().transactionId());
        if (!TransactionId.isNone(transaction)) {
            Optional<ClusterId> owner = TransactionTags.parse(transaction)
                    .flatMap(tagged -> context.tokens().decode(tagged.token()))
                    .or(() -> context.affinity().clusterOfTransaction(new TransactionId(transaction.trim())));
            Optional<ClusterStatus> cluster = owner.flatMap(id -> context.registry().snapshot().find(id));
            if (cluster.isPresent()) {
                context.loadTracker().submitted(cluster.get().id());
                forward(request, info, new Target(cluster.get().cluster(), request.uri(), RequestKind.SUBMIT, Optional.of(cluster.get().cluster().routingGroup()), Optional.empty()));
                return;
            }
            if (owner.isPresent()) {
                fail(request, info, GatewayErrorType.UNKNOWN_ROUTE, "The cluster of transaction " + transaction + " is not known to this gateway", true);
                return;
            }
            // a transaction id this gateway never tagged: let the routed cluster judge it
        }
        RouteRequest routing = RouteRequests.of(request);
        if (context.admission().active()) {
            admit(request, info, routing);
            return;
        }
        Router.Decision decision = context.router().route(routing, Set.of());
        if (decision instanceof Router.Routed routed) {
            context.metrics().routingDecision(routed.group().name(), routed.rule(), true);
            forward(request, info, new Target(routed.cluster().cluster(), request.uri(), RequestKind.SUBMIT, Optional.of(routed.group()), Optional.of(routing)));
            return;
        }
        if (decision instanceof Router.Held held) {
            // the configuration changed between the two looks: a group holds queries now
            refuse(request, info, held.group(), held.rule(), new GatewayError(GatewayErrorType.NO_ELIGIBLE_CLUSTER, held.reason()), context.queryIds().next());
            return;
        }
        Router.Rejected rejected = (Router.Rejected) decision;
        refuse(request, info, rejected.group(), rejected.rule(), rejected.error(), context.queryIds().next());
    }

    /** The gateway fails a submission itself: no cluster saw it. */
    private void refuse(FullHttpRequest request, RequestInfo info, RoutingGroup group, String rule, GatewayError error, String queryId)
    {
        context.metrics().routingDecision(group.name(), rule, false);
        context.metrics().queryRejected(group.name(), error.type().errorName(), info.user(), info.source());
        AccessLog.queryFailedAtGateway(info, info.source(), queryId, null, group.name(), error.type().errorName(), error.message());
        context.history().submitted(queryId, info.user().orElse(null), info.source().orElse(null), null, group.name(), context.clock().instant());
        context.history().ended(queryId, "FAILED", error.type().errorName(), -1, context.clock().instant());
        respond(request, info, ErrorResponses.queryError(ctx.alloc(), context.errors(), error, true, queryId, info.publicBase() + "/ui/", info.keepAlive()));
    }

    /** A submission under concurrency limits or towards a group that holds queries: sent now, queued, or refused. */
    private void admit(FullHttpRequest request, RequestInfo info, RouteRequest routing)
    {
        QueryId id = QueryId.of(context.queryIds().next());
        String slug = Slugs.next();
        Admission.Start start = context.admission().submit(request, routing, info, id, slug);
        if (start instanceof Admission.Go go) {
            sendAdmitted(request, info, routing, go.ticket());
        }
        else if (start instanceof Admission.Refuse refuse) {
            refuse(request, info, refuse.group(), refuse.rule(), refuse.error(), id.value());
        }
        else {
            // the queue owns the request now
            GatewayQueue.Entry<Admission.Pending> entry = ((Admission.Wait) start).entry();
            ctx.writeAndFlush(queuedResponse(info, entry, 1));
            exchangeEnded(null, info.keepAlive());
        }
    }

    private void sendAdmitted(FullHttpRequest request, RequestInfo info, RouteRequest routing, Admission.Ticket ticket)
    {
        Router.Routed routed = ticket.routed();
        context.metrics().routingDecision(routed.group().name(), routed.rule(), true);
        current = new ProxyExchange(this, ctx, context, pool, request, info, receivedNanos);
        current.start(new Target(routed.cluster().cluster(), request.uri(), RequestKind.SUBMIT, Optional.of(routed.group()), Optional.of(routing)), ticket.permit());
    }

    private FullHttpResponse queuedResponse(RequestInfo info, GatewayQueue.Entry<Admission.Pending> entry, long sequence)
    {
        String id = entry.id().value();
        long queuedMillis = Math.max(0, context.clock().millis() - entry.enqueued().toEpochMilli());
        return ErrorResponses.queued(ctx.alloc(), context.errors(), id, info.publicBase() + "/ui/query.html?" + id,
                info.publicBase() + GatewayPaths.queuedTarget(entry.id(), entry.slug(), sequence), queuedMillis, info.keepAlive());
    }

    /** A client polls its query waiting in the gateway's queue, or cancels it. */
    private void pollQueued(FullHttpRequest request, RequestInfo info, GatewayPaths.QueuedPoll poll)
    {
        GatewayQueue<Admission.Pending> queue = context.admission().queue();
        Optional<GatewayQueue.Entry<Admission.Pending>> found = queue.find(poll.queryId(), poll.slug());
        if (found.isEmpty()) {
            fail(request, info, GatewayErrorType.QUEUED_QUERY_GONE, "Query " + poll.queryId() + " is not queued at this gateway: it was cancelled, "
                    + "dropped after its client stopped polling, or queued at another gateway replica", true);
            return;
        }
        GatewayQueue.Entry<Admission.Pending> entry = found.get();
        if (info.method().equals("DELETE")) {
            queue.cancel(entry);
            request.release();
            ctx.writeAndFlush(ErrorResponses.empty(ctx.alloc(), HttpResponseStatus.NO_CONTENT, info.keepAlive()));
            exchangeEnded(null, info.keepAlive());
            return;
        }
        if (!info.method().equals("GET")) {
            fail(request, info, GatewayErrorType.BAD_REQUEST, "A queued query is polled with GET or cancelled with DELETE, not " + info.method(), true);
            return;
        }
        resolveQueued(new HeldPoll(request, info, entry, poll.sequence(), System.nanoTime() + context.admission().pollWait().toNanos()));
    }

    /** Answers a queued query's poll once it is admitted, failed, or has waited the poll wait. */
    private void resolveQueued(HeldPoll poll)
    {
        GatewayQueue<Admission.Pending> queue = context.admission().queue();
        switch (queue.state(poll.entry)) {
            case ADMITTED -> {
                Optional<GatewayQueue.Claim<Admission.Pending>> claim = queue.claim(poll.entry);
                if (claim.isEmpty()) {
                    fail(poll.request, poll.info, GatewayErrorType.QUEUED_QUERY_GONE, "Query " + poll.entry.id() + " is no longer queued at this gateway", true);
                    return;
                }
                poll.request.release();
                context.metrics().queueWait(claim.get().waited(), "admitted");
                Admission.Pending pending = claim.get().payload();
                RequestInfo original = pending.info();
                // the cluster's answer goes to this poll's connection
                RequestInfo info = new RequestInfo(original.method(), original.path(), original.query(), original.family(), original.user(), original.source(),
                        poll.info.publicBase(), poll.info.keepAlive(), poll.info.clientAddress());
                sendAdmitted(pending.request(), info, pending.routing(), (Admission.Ticket) claim.get().ticket());
            }
            case FAILED -> {
                Optional<GatewayError> error = queue.takeFailure(poll.entry);
                Admission.Pending pending = poll.entry.payload();
                if (error.isEmpty()) {
                    fail(poll.request, poll.info, GatewayErrorType.QUEUED_QUERY_GONE, "Query " + poll.entry.id() + " is no longer queued at this gateway", true);
                    return;
                }
                RoutingGroup group = context.router().selectGroup(pending.routing());
                refuse(poll.request, pending.info(), group, "queue", error.get(), poll.entry.id().value());
            }
            case WAITING -> {
                long remaining = poll.deadlineNanos - System.nanoTime();
                if (remaining <= 0 || !queue.onChange(poll.entry, poll.waker)) {
                    if (remaining <= 0) {
                        poll.request.release();
                        ctx.writeAndFlush(queuedResponse(poll.info, poll.entry, poll.sequence + 1));
                        exchangeEnded(null, poll.info.keepAlive());
                        return;
                    }
                    // it changed as we looked
                    resolveQueued(poll);
                    return;
                }
                heldPoll = poll;
                poll.timer = ctx.executor().schedule(() -> resumeHeldPoll(poll), remaining, java.util.concurrent.TimeUnit.NANOSECONDS);
            }
        }
    }

    private void resumeHeldPoll(HeldPoll poll)
    {
        if (heldPoll != poll) {
            return;
        }
        heldPoll = null;
        poll.timer.cancel(false);
        context.admission().queue().forget(poll.entry, poll.waker);
        resolveQueued(poll);
    }

    /** A poll of a queued query held until the query is admitted or the poll wait passes. */
    private final class HeldPoll
    {
        private final FullHttpRequest request;
        private final RequestInfo info;
        private final GatewayQueue.Entry<Admission.Pending> entry;
        private final long sequence;
        private final long deadlineNanos;
        private final Runnable waker;
        private io.netty.util.concurrent.ScheduledFuture<?> timer;

        HeldPoll(FullHttpRequest request, RequestInfo info, GatewayQueue.Entry<Admission.Pending> entry, long sequence, long deadlineNanos)
        {
            this.request = request;
            this.info = info;
            this.entry = entry;
            this.sequence = sequence;
            this.deadlineNanos = deadlineNanos;
            this.waker = () -> ctx.executor().execute(() -> resumeHeldPoll(this));
        }

        void abandon()
        {
            if (timer != null) {
                timer.cancel(false);
            }
            context.admission().queue().forget(entry, waker);
            request.release();
        }
    }

    private void routeByQueryId(FullHttpRequest request, RequestInfo info, QueryId queryId)
    {
        RequestKind kind = GatewayPaths.isStatementPath(info.path()) ? RequestKind.STATEMENT_FOLLOW_UP : RequestKind.OTHER;
        Optional<ClusterStatus> known = context.affinity().clusterOfQuery(queryId).flatMap(id -> context.registry().snapshot().find(id));
        if (known.isPresent()) {
            forward(request, info, Target.followUp(known.get().cluster(), request.uri(), kind));
            return;
        }
        context.metrics().affinityMiss();
        Map<String, String> identity = new LinkedHashMap<>();
        copyIfPresent(request.headers(), identity, "Authorization");
        for (HeaderFamily family : HeaderFamily.values()) {
            copyIfPresent(request.headers(), identity, family.user());
        }
        context.locator().locate(queryId, identity).whenComplete((located, failure) -> ctx.executor().execute(() -> {
            if (closing || !ctx.channel().isActive()) {
                request.release();
                return;
            }
            Optional<ClusterStatus> cluster = failure != null || located == null
                    ? Optional.empty()
                    : located.flatMap(id -> context.registry().snapshot().find(id));
            if (cluster.isEmpty()) {
                fail(request, info, GatewayErrorType.QUERY_NOT_FOUND, "Query " + queryId + " is not known to any cluster", kind.statementProtocol());
                return;
            }
            context.affinity().recordQuery(queryId, cluster.get().id(), null);
            forward(request, info, Target.followUp(cluster.get().cluster(), request.uri(), kind));
        }));
    }

    private void routeToAnyCluster(FullHttpRequest request, RequestInfo info)
    {
        Router.Decision decision = context.router().peek(RouteRequest.ofUser(info.user()));
        if (decision instanceof Router.Routed routed) {
            forward(request, info, new Target(routed.cluster().cluster(), request.uri(), RequestKind.OTHER, Optional.of(routed.group()), Optional.empty()));
            return;
        }
        Router.Rejected rejected = (Router.Rejected) decision;
        fail(request, info, rejected.error().type(), rejected.error().message(), false);
    }

    private void forward(FullHttpRequest request, RequestInfo info, Target target)
    {
        current = new ProxyExchange(this, ctx, context, pool, request, info, receivedNanos);
        current.start(target);
    }

    private void fail(FullHttpRequest request, RequestInfo info, GatewayErrorType type, String message, boolean statementProtocol)
    {
        String queryId = GatewayPaths.queryIdOf(info.path(), info.query().orElse(null)).map(QueryId::value).orElseGet(() -> context.queryIds().next());
        FullHttpResponse response = ErrorResponses.queryError(ctx.alloc(), context.errors(), new GatewayError(type, message), statementProtocol, queryId,
                info.publicBase() + "/ui/", info.keepAlive());
        respond(request, info, response);
    }

    private void respond(FullHttpRequest request, RequestInfo info, FullHttpResponse response)
    {
        request.release();
        ctx.writeAndFlush(response);
        exchangeEnded(null, info.keepAlive());
    }

    private void rejectAndClose(HttpResponseStatus status, String message)
    {
        closing = true;
        releaseWaiting();
        ctx.writeAndFlush(ErrorResponses.plain(ctx.alloc(), status, message)).addListener(ChannelFutureListener.CLOSE);
    }

    /** Called when the current request has been answered; takes the next pipelined one or reads again. */
    void exchangeEnded(ProxyExchange exchange, boolean keepAlive)
    {
        if (exchange != null && exchange != current) {
            return;
        }
        current = null;
        busy = false;
        if (!keepAlive || closing) {
            closing = true;
            releaseWaiting();
            ctx.writeAndFlush(io.netty.buffer.Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        FullHttpRequest next = waiting.poll();
        if (next != null) {
            handle(next);
        }
        else if (inputClosed) {
            // the client sent its last request and half-closed: it has its answers now
            closing = true;
            ctx.close();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx)
    {
        if (ctx.channel().isWritable() && current != null) {
            current.onClientWritable();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx)
    {
        context.metrics().connectionClosed();
        closing = true;
        if (current != null) {
            current.abort();
            current = null;
        }
        if (heldPoll != null) {
            heldPoll.abandon();
            heldPoll = null;
        }
        releaseWaiting();
        ctx.fireChannelInactive();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event)
    {
        if (event instanceof ChannelInputShutdownEvent) {
            inputClosed = true;
            if (!busy && waiting.isEmpty()) {
                closing = true;
                ctx.close();
            }
            return;
        }
        if (event instanceof IdleStateEvent) {
            // idle between requests, or stuck because the client stopped reading its response
            if (!busy || (current != null && current.waitingForClient())) {
                closing = true;
                ctx.close();
            }
            return;
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause)
    {
        log.debug("event=client_connection_error remote={} cause=\"{}\"", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private void releaseWaiting()
    {
        FullHttpRequest request;
        while ((request = waiting.poll()) != null) {
            request.release();
        }
    }

    private RequestInfo requestInfo(FullHttpRequest request)
    {
        HttpHeaders headers = request.headers();
        String uri = request.uri();
        int question = uri.indexOf('?');
        String rawPath = question < 0 ? uri : uri.substring(0, question);
        String rawQuery = question < 0 ? null : uri.substring(question + 1);
        HeaderFamily family = HeaderFamily.of(headers::get);
        return new RequestInfo(
                request.method().name(),
                rawPath,
                rawQuery == null || rawQuery.isEmpty() ? Optional.empty() : Optional.of(rawQuery),
                family,
                Optional.ofNullable(headers.get(family.user())),
                Optional.ofNullable(headers.get(family.source())),
                PublicBase.of(context.publicUri(), headers, context.listenAddress(), secure),
                HttpUtil.isKeepAlive(request),
                clientAddress);
    }

    private static String clientAddress(SocketAddress address)
    {
        if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
            return inet.getAddress().getHostAddress();
        }
        return String.valueOf(address);
    }

    private static HttpResponseStatus tooLongStatus(Throwable cause)
    {
        String message = String.valueOf(cause.getMessage());
        if (message.contains("header")) {
            return HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE;
        }
        if (message.contains("line")) {
            return HttpResponseStatus.REQUEST_URI_TOO_LONG;
        }
        return HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE;
    }

    private static void copyIfPresent(HttpHeaders from, Map<String, String> to, String name)
    {
        String value = from.get(name);
        if (value != null) {
            to.put(name, value);
        }
    }
}
