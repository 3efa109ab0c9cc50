package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.EmptyHttpHeaders;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.FastThreadLocal;
import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.TransactionId;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.protocol.GatewayPaths;
import io.switchboard.core.protocol.HeaderFamily;
import io.switchboard.core.protocol.PublicUris;
import io.switchboard.core.protocol.StatementResponseRewriter;
import io.switchboard.core.protocol.StatementSummary;
import io.switchboard.core.protocol.TransactionTags;
import io.switchboard.core.protocol.GatewayErrorType;
import io.switchboard.routing.QueryAffinity;
import io.switchboard.routing.Router;
import io.switchboard.routing.admission.ConcurrencyLimits;

import java.io.IOException;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One client request forwarded to one cluster and its response streamed back, on the client's event loop.
 *
 * <p>Owns the client's request until it ends. A submission whose connection fails before any byte came back is
 * replayed on the next eligible cluster; every other request stays on its cluster. Statement responses pass through
 * the {@link StatementResponseRewriter}, everything else streams as it comes. The backend is read only while the
 * client can take more, so memory stays bounded whatever the response size.
 */
final class ProxyExchange
        implements BackendPool.Borrower
{
    private static final Logger log = LoggerFactory.getLogger(ProxyExchange.class);
    private static final HeaderFamily[] FAMILIES = HeaderFamily.values();
    /**
     * Where a response chunk in a direct buffer is copied for the parser: one per event-loop thread, which handles one
     * chunk at a time, and the rewriter keeps no reference to it once a chunk is fed.
     */
    private static final FastThreadLocal<byte[]> SCRATCH = new FastThreadLocal<>()
    {
        @Override
        protected byte[] initialValue()
        {
            return new byte[16 * 1024];
        }
    };

    private final FrontendHandler frontend;
    private final ChannelHandlerContext client;
    private final ProxyContext context;
    private final BackendPool pool;
    private final FullHttpRequest request;
    private final RequestInfo info;
    // a small set: one cluster unless a submission fails over
    private final Set<ClusterId> tried = new HashSet<>(2);

    private Target target;
    private Channel backend;
    private BackendHandler backendHandler;
    private boolean reused;
    private boolean retriedStale;
    private boolean receivedAny;
    private HttpResponse heldResponse;
    private boolean responseStarted;
    private boolean backendKeepAlive;
    private StatementResponseRewriter rewriter;
    private StatementTap.PageWatch pageWatch;
    private String token;
    private boolean waitingForClient;
    private boolean skipInterimEnd;
    private boolean done;
    private final long receivedNanos;
    private long firstResponseNanos;
    private boolean prepared;
    private String clientForwardedFor;
    /** The forwarding headers were set for an earlier attempt at another cluster. */
    private boolean forwardingSet;
    /** The submission's concurrency permit until the query is known to the load tracker, which gives it back at the end. */
    private ConcurrencyLimits.Permit permit;

    ProxyExchange(FrontendHandler frontend, ChannelHandlerContext client, ProxyContext context, BackendPool pool, FullHttpRequest request, RequestInfo info, long receivedNanos)
    {
        this.receivedNanos = receivedNanos;
        this.frontend = requireNonNull(frontend, "frontend is null");
        this.client = requireNonNull(client, "client is null");
        this.context = requireNonNull(context, "context is null");
        this.pool = requireNonNull(pool, "pool is null");
        this.request = requireNonNull(request, "request is null");
        this.info = requireNonNull(info, "info is null");
    }

    void start(Target first)
    {
        start(first, false);
    }

    /** Sends an admitted submission, which holds a concurrency permit until its query ends. */
    void start(Target first, ConcurrencyLimits.Permit admitted)
    {
        this.permit = requireNonNull(admitted, "admitted is null");
        start(first, false);
    }

    /**
     * @param fresh connect anew instead of borrowing a pooled connection, after a pooled one turned out stale
     */
    private void start(Target first, boolean fresh)
    {
        this.target = first;
        tried.add(first.cluster().id());
        pool.acquire(first.cluster(), fresh, this);
    }

    @Override
    public boolean waiting()
    {
        return !done;
    }

    @Override
    public void leased(BackendPool.Lease lease)
    {
        reused = lease.reused();
        ChannelFuture connected = lease.connected();
        if (connected.isDone()) {
            onConnected(connected);
        }
        else {
            connected.addListener((ChannelFutureListener) this::onConnected);
        }
    }

    @Override
    public void notLeased(Throwable cause)
    {
        context.metrics().connectionWaitTimeout(target.cluster().id().value());
        onBackendFailure(BackendFailure.CONNECT, cause);
    }

    private void onConnected(ChannelFuture connected)
    {
        if (done) {
            if (connected.isSuccess()) {
                connected.channel().close();
            }
            return;
        }
        if (!connected.isSuccess()) {
            context.metrics().connectFailure(target.cluster().id().value());
            context.outliers().onFailure(target.cluster().id(), "connect: " + describe(connected.cause()));
            onBackendFailure(BackendFailure.CONNECT, connected.cause());
            return;
        }
        Channel channel = connected.channel();
        backend = channel;
        backendHandler = channel.pipeline().get(BackendHandler.class);
        backendHandler.attach(this);
        FullHttpRequest forwarded = backendRequest();
        context.metrics().upstreamOverhead(System.nanoTime() - receivedNanos);
        context.metrics().requestBytes(forwarded.content().readableBytes());
        channel.writeAndFlush(forwarded).addListener(written -> {
            if (!written.isSuccess() && backend == channel) {
                onBackendFailure(BackendFailure.CLOSED, written.cause());
            }
        });
        if (backend != channel) {
            // the write failed at once and the failure already moved on (retry, failover or error)
            return;
        }
        channel.read();
        backendHandler.awaitResponse(context.responseTimeout().toNanos());
    }

    /** The cluster did not start answering within the response timeout. */
    void onResponseTimeout()
    {
        if (!done && !receivedAny) {
            onBackendFailure(BackendFailure.TIMEOUT, null);
        }
    }

    /**
     * The request as the cluster gets it. The client's request is prepared once, in place (its headers are not copied):
     * hop-by-hop and forwarding headers go, transaction ids lose their routing tag. A failover sends it again with
     * the next cluster's {@code Host}.
     */
    private FullHttpRequest backendRequest()
    {
        HttpHeaders headers = request.headers();
        if (!prepared) {
            prepared = true;
            clientForwardedFor = headers.get("X-Forwarded-For");
            ProxyHeaders.removeHopByHopAndForwarding(headers);
            // the gateway already holds the whole body: the cluster must not be asked to confirm it
            headers.remove(HttpHeaderNames.EXPECT);
            if (request.content().isReadable() || request.method().equals(HttpMethod.POST) || request.method().equals(HttpMethod.PUT)) {
                headers.setInt(HttpHeaderNames.CONTENT_LENGTH, request.content().readableBytes());
            }
            if (target.kind().statementProtocol()) {
                // the rewriter reads JSON: ask for it uncompressed
                headers.remove(HttpHeaderNames.ACCEPT_ENCODING);
            }
            for (HeaderFamily family : FAMILIES) {
                String transaction = headers.get(family.transactionId());
                if (transaction != null) {
                    TransactionTags.parse(transaction).ifPresent(tagged -> headers.set(family.transactionId(), tagged.transactionId()));
                }
            }
        }
        headers.set(HttpHeaderNames.HOST, target.cluster().hostHeader());
        if (target.cluster().forwardHeaders()) {
            forwardingSet = true;
            headers.set("X-Forwarded-For", clientForwardedFor == null ? info.clientAddress() : clientForwardedFor + ", " + info.clientAddress());
            java.net.URI base = java.net.URI.create(info.publicBase());
            headers.set("X-Forwarded-Proto", base.getScheme());
            headers.set("X-Forwarded-Host", base.getRawAuthority());
        }
        else if (forwardingSet) {
            // a failover from a cluster that takes forwarding headers to one that refuses them
            forwardingSet = false;
            ProxyHeaders.removeForwarding(headers);
        }
        return new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, request.method(), target.backendTarget(), request.content().retainedDuplicate(),
                headers, EmptyHttpHeaders.INSTANCE);
    }

    void onBackendMessage(HttpObject message)
    {
        if (done) {
            ReferenceCountUtil.release(message);
            return;
        }
        if (message.decoderResult().isFailure()) {
            ReferenceCountUtil.release(message);
            onBackendFailure(BackendFailure.BAD_RESPONSE, message.decoderResult().cause());
            return;
        }
        if (message instanceof HttpResponse response && response.status().code() / 100 == 1 && response.status().code() != 101) {
            // an interim answer (100 Continue, 103 Early Hints): the decoder ends it with an empty last part, and the
            // final response follows on the same connection
            ReferenceCountUtil.release(message);
            skipInterimEnd = !(message instanceof LastHttpContent);
            backend.read();
            return;
        }
        if (skipInterimEnd && message instanceof LastHttpContent && !(message instanceof HttpResponse)) {
            skipInterimEnd = false;
            ReferenceCountUtil.release(message);
            backend.read();
            return;
        }
        if (!receivedAny) {
            firstResponseNanos = System.nanoTime();
        }
        receivedAny = true;
        cancelResponseTimeout();
        if (message instanceof HttpResponse response) {
            onResponseHead(response);
        }
        if (message instanceof HttpContent content) {
            onContent(content);
        }
        else {
            backend.read();
        }
    }

    private void onResponseHead(HttpResponse response)
    {
        if (response.status().code() >= 500) {
            context.outliers().onFailure(target.cluster().id(), "answered " + response.status().code());
        }
        else {
            context.outliers().onSuccess(target.cluster().id());
        }
        backendKeepAlive = HttpUtil.isKeepAlive(response);
        if (request.method().equals(HttpMethod.DELETE) && response.status().code() / 100 == 2) {
            onCancelled();
        }
        String contentLength = response.headers().get(HttpHeaderNames.CONTENT_LENGTH);
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        boolean json = isJson(response.headers());
        HttpResponse head;
        if (response instanceof HttpContent) {
            // head and body in one object: the head goes out on its own
            head = new DefaultHttpResponse(HttpVersion.HTTP_1_1, response.status());
            ProxyHeaders.copyEndToEnd(response.headers(), head.headers(), false);
        }
        else {
            // the cluster's head, reused: only its hop-by-hop headers go
            head = response;
            head.setProtocolVersion(HttpVersion.HTTP_1_1);
            ProxyHeaders.removeHopByHop(head.headers());
        }
        HttpHeaders headers = head.headers();
        tagStartedTransaction(headers);
        int code = response.status().code();
        if (code >= 300 && code < 400 && headers.contains(HttpHeaderNames.LOCATION)) {
            Redirects.toPublic(headers.get(HttpHeaderNames.LOCATION), target.cluster(), info.publicBase(), context.tokens().encode(target.cluster().id()))
                    .ifPresent(location -> headers.set(HttpHeaderNames.LOCATION, location));
        }
        boolean bodiless = request.method().equals(HttpMethod.HEAD) || response.status().code() == 204 || response.status().code() == 304;
        boolean rewrite = target.kind().statementProtocol() && response.status().code() == 200 && json;
        if (rewrite) {
            token = context.tokens().encode(target.cluster().id());
            pageWatch = target.kind() == RequestKind.STATEMENT_FOLLOW_UP ? context.tap().page(target.backendTarget()) : null;
            rewriter = StatementResponseRewriter.toPublic(context.jsonFactory(), info.publicBase(), token, pageWatch == null ? null : pageWatch.tokens());
            HttpUtil.setTransferEncodingChunked(head, true);
        }
        else if (!bodiless) {
            if (contentLength != null && !chunked) {
                headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
            }
            else {
                HttpUtil.setTransferEncodingChunked(head, true);
            }
        }
        else if (contentLength != null) {
            headers.set(HttpHeaderNames.CONTENT_LENGTH, contentLength);
        }
        if (!info.keepAlive()) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        if (rewrite) {
            // held until the first body chunk rewrites cleanly, so a garbage body can still get a proper error
            heldResponse = head;
        }
        else {
            client.write(head);
            context.metrics().downstreamOverhead(System.nanoTime() - firstResponseNanos);
            responseStarted = true;
        }
    }

    private void onContent(HttpContent message)
    {
        HttpContent content = message;
        if (message instanceof HttpResponse) {
            // a whole response in one object: send its body as a plain part, the head went out already
            content = message instanceof LastHttpContent ? new DefaultLastHttpContent(message.content()) : new DefaultHttpContent(message.content());
        }
        boolean last = content instanceof LastHttpContent;
        if (rewriter != null) {
            ByteBuf rewritten;
            StatementSummary summary = null;
            ChunkSink sink = new ChunkSink(client.alloc());
            try {
                rewrite(content.content(), sink);
                if (last) {
                    summary = rewriter.finish(sink);
                }
                rewritten = sink.result();
            }
            catch (IOException | RuntimeException e) {
                sink.discard();
                content.release();
                onBadStatementResponse(e);
                return;
            }
            content.release();
            context.metrics().responseBytes(rewritten.readableBytes());
            if (heldResponse != null) {
                if (last) {
                    // the whole body in one piece: a plain Content-Length answer, without chunk framing
                    HttpUtil.setTransferEncodingChunked(heldResponse, false);
                    HttpUtil.setContentLength(heldResponse, rewritten.readableBytes());
                }
                client.write(heldResponse);
                context.metrics().downstreamOverhead(System.nanoTime() - firstResponseNanos);
                heldResponse = null;
                responseStarted = true;
            }
            if (last) {
                client.write(new DefaultLastHttpContent(rewritten));
                onSummary(summary);
            }
            else if (rewritten.isReadable()) {
                client.write(new DefaultHttpContent(rewritten));
            }
            else {
                rewritten.release();
            }
        }
        else {
            context.metrics().responseBytes(content.content().readableBytes());
            client.write(content);
        }
        client.flush();
        if (last) {
            complete();
        }
        else if (client.channel().isWritable()) {
            backend.read();
        }
        else {
            waitingForClient = true;
        }
    }

    private void rewrite(ByteBuf in, ChunkSink sink)
            throws IOException
    {
        int length = in.readableBytes();
        byte[] bytes;
        int base;
        if (in.hasArray()) {
            bytes = in.array();
            base = in.arrayOffset() + in.readerIndex();
        }
        else {
            byte[] scratch = SCRATCH.get();
            if (scratch.length < length) {
                scratch = new byte[Math.max(length, 2 * scratch.length)];
                SCRATCH.set(scratch);
            }
            in.getBytes(in.readerIndex(), scratch, 0, length);
            bytes = scratch;
            base = 0;
        }
        sink.source(in, bytes, base);
        rewriter.feed(bytes, base, length, sink);
    }

    private void onSummary(StatementSummary summary)
    {
        Optional<QueryId> queryId = QueryId.parse(summary.queryId());
        if (queryId.isPresent()) {
            if (target.kind() == RequestKind.SUBMIT) {
                context.affinity().recordQuery(queryId.get(), target.cluster().id(), info.source().orElse(null));
                if (permit != null) {
                    context.loadTracker().started(queryId.get(), target.cluster().id(), permit::release);
                    permit = null;
                }
                else {
                    context.loadTracker().started(queryId.get(), target.cluster().id());
                }
                context.history().submitted(queryId.get().value(), info.user().orElse(null), info.source().orElse(null), target.cluster().id().value(),
                        groupName(), context.clock().instant());
                context.metrics().querySubmitted(target.cluster().id().value(), groupName());
                context.tap().submitted(queryId.get(), request, target.cluster(), target.group().orElse(target.cluster().routingGroup()), summary);
            }
            else {
                context.loadTracker().polled(queryId.get());
            }
            if (summary.terminal()) {
                context.loadTracker().ended(queryId.get());
                context.history().ended(queryId.get().value(), summary.state(), summary.errorName(), summary.elapsedMillis(), context.clock().instant());
            }
        }
        if (summary.terminal()) {
            Optional<String> source = info.source().or(() -> queryId.flatMap(id -> context.affinity().routeOfQuery(id)).map(QueryAffinity.QueryRoute::source));
            AccessLog.queryEnded(info, source, target.cluster().id().value(), target.cluster().routingGroup().name(), summary);
            context.metrics().queryCompleted(target.cluster().id().value(), groupName(), summary.state(), summary.errorName(), summary.errorType(),
                    info.user(), source, summary.elapsedMillis());
        }
        if (pageWatch != null) {
            pageWatch.completed(summary);
        }
    }

    /**
     * A client deleted its query's statement URI and the cluster accepted: the query ends cancelled, with no further
     * statement response to say so.
     */
    private void onCancelled()
    {
        String path = target.backendTarget().split("\\?", 2)[0];
        if (target.kind() != RequestKind.STATEMENT_FOLLOW_UP || path.startsWith(GatewayPaths.STATEMENT + "/executing/partialCancel/")) {
            return;
        }
        Optional<QueryId> queryId = GatewayPaths.queryIdOf(path, null);
        if (queryId.isEmpty()) {
            return;
        }
        context.loadTracker().ended(queryId.get());
        context.history().ended(queryId.get().value(), "FAILED", "USER_CANCELED", -1, context.clock().instant());
        Optional<String> source = info.source().or(() -> context.affinity().routeOfQuery(queryId.get()).map(QueryAffinity.QueryRoute::source));
        StatementSummary cancelled = new StatementSummary(queryId.get().value(), "FAILED", false, "USER_CANCELED", "USER_ERROR", "Query was canceled by the client", null, -1);
        AccessLog.queryEnded(info, source, target.cluster().id().value(), groupName(), cancelled);
        context.metrics().queryCompleted(target.cluster().id().value(), groupName(), "FAILED", "USER_CANCELED", "USER_ERROR", info.user(), source, -1);
        context.tap().ended(queryId.get(), cancelled);
    }

    private String groupName()
    {
        return target.group().map(RoutingGroup::name).orElse(target.cluster().routingGroup().name());
    }

    private void tagStartedTransaction(HttpHeaders headers)
    {
        for (HeaderFamily family : HeaderFamily.values()) {
            String started = headers.get(family.startedTransactionId());
            if (started != null && !started.isBlank()) {
                String routingToken = context.tokens().encode(target.cluster().id());
                context.affinity().recordTransaction(new TransactionId(started), target.cluster().id());
                headers.set(family.startedTransactionId(), TransactionTags.tag(routingToken, started));
            }
        }
    }

    private void onBadStatementResponse(Exception cause)
    {
        log.warn("event=bad_backend_response cluster={} path={} reason=\"{}\"", target.cluster().id(), info.path(), cause.getMessage());
        rewriter = null;
        backendKeepAlive = false;
        onBackendFailure(BackendFailure.BAD_RESPONSE, cause);
    }

    void onBackendIdle()
    {
        if (!waitingForClient) {
            onBackendFailure(BackendFailure.TIMEOUT, null);
        }
    }

    boolean waitingForClient()
    {
        return waitingForClient;
    }

    void onClientWritable()
    {
        if (waitingForClient && backend != null && !done) {
            waitingForClient = false;
            backend.read();
        }
    }

    void onBackendFailure(BackendFailure failure, Throwable cause)
    {
        if (done) {
            return;
        }
        dropBackend();
        if (responseStarted) {
            // part of the response reached the client: the only honest signal left is to cut the connection
            log.warn("event=backend_failed_mid_response cluster={} path={} failure={} cause=\"{}\"", target.cluster().id(), info.path(), failure, describe(cause));
            finish(false);
            client.close();
            return;
        }
        heldResponse = null;
        if (!receivedAny && reused && !retriedStale && failure != BackendFailure.CONNECT && failure != BackendFailure.TIMEOUT) {
            // a pooled connection the cluster had closed while idle: try once more on a fresh one
            retriedStale = true;
            start(target, true);
            return;
        }
        if (failure != BackendFailure.CONNECT) {
            context.outliers().onFailure(target.cluster().id(), failure.description());
        }
        boolean nothingReceived = failure == BackendFailure.CONNECT || (failure == BackendFailure.CLOSED && !receivedAny);
        if (nothingReceived && target.kind() == RequestKind.SUBMIT && target.routing().isPresent() && tried.size() < context.maxSubmitAttempts()) {
            Router.Decision decision = context.router().route(target.routing().get(), tried);
            if (decision instanceof Router.Routed routed) {
                log.warn("event=submit_failover from={} to={} cause=\"{}\"", target.cluster().id(), routed.cluster().id(), describe(cause));
                context.metrics().submitFailover(target.cluster().id().value());
                start(target.withCluster(routed.cluster().cluster(), routed.group()));
                return;
            }
            if (decision instanceof Router.Held held) {
                failWith(new GatewayError(GatewayErrorType.NO_ELIGIBLE_CLUSTER, "Cluster '" + target.cluster().id() + "' failed to take the query and "
                        + held.reason()));
                return;
            }
            failWith(((Router.Rejected) decision).error());
            return;
        }
        String message = "Cluster '" + target.cluster().id() + "' failed: " + failure.description() + (cause == null ? "" : " (" + describe(cause) + ")");
        failWith(new GatewayError(failure.errorType(), message));
    }

    private void failWith(GatewayError error)
    {
        String queryId = GatewayPaths.queryIdOf(PublicUris.targetOf(target.backendTarget()).split("\\?", 2)[0], null)
                .map(QueryId::value)
                .orElseGet(() -> context.queryIds().next());
        String group = target.group().map(RoutingGroup::name).orElse(target.cluster().routingGroup().name());
        if (target.kind().statementProtocol()) {
            Optional<String> source = info.source().or(() -> QueryId.parse(queryId).flatMap(id -> context.affinity().routeOfQuery(id)).map(QueryAffinity.QueryRoute::source));
            AccessLog.queryFailedAtGateway(info, source, queryId, target.cluster().id().value(), group, error.type().errorName(), error.message());
            if (target.kind() == RequestKind.SUBMIT) {
                context.history().submitted(queryId, info.user().orElse(null), info.source().orElse(null), target.cluster().id().value(), group, context.clock().instant());
            }
            else {
                QueryId.parse(queryId).ifPresent(id -> context.loadTracker().ended(id));
                QueryId.parse(queryId).ifPresent(id -> context.tap().ended(id, new StatementSummary(queryId, "FAILED", false, error.type().errorName(), "GATEWAY", error.message(), null, -1)));
            }
            context.history().ended(queryId, "FAILED", error.type().errorName(), -1, context.clock().instant());
            context.metrics().queryCompleted(target.cluster().id().value(), group, "FAILED", error.type().errorName(), "GATEWAY", info.user(), source, -1);
        }
        FullHttpResponse response = ErrorResponses.queryError(client.alloc(), context.errors(), error, target.kind().statementProtocol(), queryId,
                info.publicBase() + "/ui/", info.keepAlive());
        client.writeAndFlush(response);
        finish(info.keepAlive());
    }

    private void complete()
    {
        cancelResponseTimeout();
        Channel channel = backend;
        backend = null;
        if (backendHandler != null) {
            backendHandler.detach();
        }
        if (channel != null) {
            if (backendKeepAlive) {
                pool.release(target.cluster().id(), channel);
            }
            else {
                channel.close();
            }
        }
        finish(info.keepAlive());
    }

    /** The client went away: nothing more to send, and the backend connection is mid-response, so it is closed. */
    void abort()
    {
        if (done) {
            return;
        }
        dropBackend();
        done = true;
        releasePermit();
        request.release();
    }

    private void finish(boolean keepAlive)
    {
        done = true;
        heldResponse = null;
        releasePermit();
        request.release();
        frontend.exchangeEnded(this, keepAlive);
    }

    /** The submission ended without a query the load tracker knows: its permit goes back now. */
    private void releasePermit()
    {
        if (permit != null) {
            permit.release();
            permit = null;
        }
    }

    private void dropBackend()
    {
        cancelResponseTimeout();
        waitingForClient = false;
        if (backendHandler != null) {
            backendHandler.detach();
            backendHandler = null;
        }
        if (backend != null) {
            backend.close();
            backend = null;
        }
    }

    private void cancelResponseTimeout()
    {
        if (backendHandler != null) {
            backendHandler.responseStarted();
        }
    }

    private static boolean isJson(HttpHeaders headers)
    {
        String type = headers.get(HttpHeaderNames.CONTENT_TYPE);
        return type != null && type.toLowerCase(java.util.Locale.ROOT).contains("json");
    }

    private static String describe(Throwable cause)
    {
        if (cause == null) {
            return "";
        }
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    /**
     * Collects one rewritten chunk. A chunk that passes through whole (most pages of a large result: no URI in them) is
     * forwarded as it is, without a copy. One with a URI rewritten is assembled in a per-thread array from the bytes
     * the rewriter read and its replacements, then copied into one buffer: one copy into direct memory instead of one
     * per piece.
     */
    private static final class ChunkSink
            implements StatementResponseRewriter.Sink
    {
        private static final FastThreadLocal<byte[]> ASSEMBLY = new FastThreadLocal<>()
        {
            @Override
            protected byte[] initialValue()
            {
                return new byte[16 * 1024];
            }
        };

        private final io.netty.buffer.ByteBufAllocator allocator;
        private ByteBuf source;
        private byte[] sourceBytes;
        private int base;
        private int pendingOffset = -1;
        private int pendingLength;
        // the chunk being assembled, once something in it was rewritten
        private byte[] assembly;
        private int assembled;

        ChunkSink(io.netty.buffer.ByteBufAllocator allocator)
        {
            this.allocator = allocator;
        }

        /** The chunk, and the array the rewriter reads it from: {@code bytes[chunkBase]} is its first readable byte. */
        void source(ByteBuf chunk, byte[] bytes, int chunkBase)
        {
            this.source = chunk;
            this.sourceBytes = bytes;
            this.base = chunkBase;
        }

        @Override
        public void passThrough(int offset, int length)
        {
            if (length == 0) {
                return;
            }
            if (assembly == null && (pendingOffset < 0 || pendingOffset + pendingLength == offset)) {
                if (pendingOffset < 0) {
                    pendingOffset = offset;
                }
                pendingLength += length;
                return;
            }
            startAssembly();
            append(sourceBytes, offset, length);
        }

        @Override
        public void write(byte[] bytes, int offset, int length)
        {
            startAssembly();
            append(bytes, offset, length);
        }

        private void startAssembly()
        {
            if (assembly != null) {
                return;
            }
            assembly = ASSEMBLY.get();
            assembled = 0;
            if (pendingOffset >= 0) {
                append(sourceBytes, pendingOffset, pendingLength);
                pendingOffset = -1;
                pendingLength = 0;
            }
        }

        private void append(byte[] bytes, int offset, int length)
        {
            if (assembled + length > assembly.length) {
                assembly = java.util.Arrays.copyOf(assembly, Math.max(assembly.length * 2, assembled + length));
                ASSEMBLY.set(assembly);
            }
            System.arraycopy(bytes, offset, assembly, assembled, length);
            assembled += length;
        }

        /** The rewritten chunk, owned by the caller. */
        ByteBuf result()
        {
            if (assembly != null) {
                ByteBuf result = allocator.buffer(assembled);
                result.writeBytes(assembly, 0, assembled);
                assembly = null;
                return result;
            }
            if (pendingOffset < 0) {
                return io.netty.buffer.Unpooled.EMPTY_BUFFER;
            }
            return source.retainedSlice(source.readerIndex() + pendingOffset - base, pendingLength);
        }

        void discard()
        {
            assembly = null;
        }
    }
}
