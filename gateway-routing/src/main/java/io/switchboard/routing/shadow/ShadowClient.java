package io.switchboard.routing.shadow;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import io.switchboard.core.Cluster;
import io.switchboard.core.protocol.ResultDigest;
import io.switchboard.core.protocol.StatementResponseRewriter;
import io.switchboard.core.protocol.StatementSummary;
import io.switchboard.routing.shadow.SideResult.Outcome;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.Flow;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;

/**
 * Runs a mirrored statement on a shadow cluster as a Trino client would, in the background: submits it, follows
 * {@code nextUri} to the end, and reads every page through the same {@link StatementResponseRewriter} and
 * {@link ResultDigest} that watch the primary's pages, so both sides count rows and checksums the same way. Pages
 * are parsed as they stream and then dropped, so memory stays bounded whatever the result size.
 *
 * <p>Everything runs on the {@link HttpClient}'s own executor, never on the proxy's event loops.
 */
public final class ShadowClient
{
    private static final int MAX_ATTEMPTS = 5;
    private static final long RETRY_DELAY_MILLIS = 100;
    /**
     * Headers the shadow query does not get: framing and hop-by-hop headers, the gateway's own, forwarding headers
     * (a default Trino refuses them), compression (the pages are parsed), and the spooling encoding, so that the
     * shadow sends its rows inline where they can be counted.
     */
    private static final Set<String> NOT_SENT = Set.of(
            "connection", "content-length", "date", "expect", "from", "host", "upgrade", "via", "warning", "keep-alive", "te", "trailer",
            "transfer-encoding", "proxy-connection", "proxy-authorization", "accept-encoding",
            "x-trino-query-data-encoding", "x-presto-query-data-encoding", "x-trino-routing-group", "x-presto-routing-group",
            "x-trino-transaction-id", "x-presto-transaction-id",
            "x-forwarded-for", "x-forwarded-proto", "x-forwarded-host", "x-forwarded-port", "x-forwarded-prefix", "x-real-ip", "forwarded");
    private static final StatementResponseRewriter.Sink DISCARD = new StatementResponseRewriter.Sink()
    {
        @Override
        public void passThrough(int offset, int length) {}

        @Override
        public void write(byte[] bytes, int offset, int length) {}
    };

    private final HttpClient http;
    private final JsonFactory jsonFactory;
    private final Executor executor;
    private final Duration requestTimeout;
    private final long maxResultBytes;

    /**
     * @param executor runs retries after their delay; the same executor the {@link HttpClient} runs on
     */
    public ShadowClient(HttpClient http, JsonFactory jsonFactory, Executor executor, Duration requestTimeout, long maxResultBytes)
    {
        this.http = requireNonNull(http, "http is null");
        this.jsonFactory = requireNonNull(jsonFactory, "jsonFactory is null");
        this.executor = requireNonNull(executor, "executor is null");
        this.requestTimeout = requireNonNull(requestTimeout, "requestTimeout is null");
        this.maxResultBytes = maxResultBytes;
    }

    /**
     * Submits the statement to the cluster from the executor and returns at once; the run's result completes when the
     * query ended.
     */
    public Run start(Cluster cluster, ShadowRequest request)
    {
        Run run = new Run(cluster, request);
        try {
            executor.execute(run::submit);
        }
        catch (RejectedExecutionException e) {
            run.end(Outcome.ERROR, null, "the gateway is stopping", -1);
        }
        return run;
    }

    /** Whether the shadow query does not get this header. */
    static boolean sent(String headerName)
    {
        return !NOT_SENT.contains(headerName.toLowerCase(Locale.ROOT));
    }

    /** One shadow query from submission to its end. */
    public final class Run
    {
        private final Cluster cluster;
        private final ShadowRequest request;
        private final CompletableFuture<SideResult> result = new CompletableFuture<>();
        private final ResultDigest total = new ResultDigest();
        private final long startNanos = System.nanoTime();
        private volatile URI nextUri;
        private volatile String queryId;
        private long bytes;

        private Run(Cluster cluster, ShadowRequest request)
        {
            this.cluster = cluster;
            this.request = request;
        }

        public CompletableFuture<SideResult> result()
        {
            return result;
        }

        /** Ends the run now with the given outcome, and cancels the query on the cluster if it still runs. */
        public void stop(Outcome outcome, String message)
        {
            if (result.complete(side(outcome, null, message, -1))) {
                cancelOnCluster();
            }
        }

        private void submit()
        {
            HttpRequest.Builder builder = HttpRequest.newBuilder(cluster.endpoint("/v1/statement"))
                    .POST(HttpRequest.BodyPublishers.ofString(request.sql(), UTF_8));
            send(withHeaders(builder), 1);
        }

        private HttpRequest withHeaders(HttpRequest.Builder builder)
        {
            builder.timeout(requestTimeout);
            for (ShadowRequest.Header header : request.headers()) {
                if (sent(header.name())) {
                    try {
                        builder.header(header.name(), header.value());
                    }
                    catch (IllegalArgumentException e) {
                        // a name or value the JDK client refuses: the query runs without it, as the primary's may not
                    }
                }
            }
            return builder.build();
        }

        private void send(HttpRequest httpRequest, int attempt)
        {
            if (result.isDone()) {
                return;
            }
            try {
                http.sendAsync(httpRequest, info -> info.statusCode() == 200 ? new PageSubscriber(this) : HttpResponse.BodySubscribers.replacing(Page.status(info.statusCode())))
                        .whenComplete((response, failure) -> onAnswer(httpRequest, attempt, response, failure));
            }
            catch (RuntimeException e) {
                end(Outcome.ERROR, null, describe(e), -1);
            }
        }

        private void onAnswer(HttpRequest httpRequest, int attempt, HttpResponse<Page> response, Throwable failure)
        {
            if (failure != null) {
                Throwable cause = unwrap(failure);
                if (cause instanceof ResultTooLarge) {
                    end(Outcome.TOO_LARGE, null, "the result is larger than " + maxResultBytes + " bytes", -1);
                }
                else {
                    end(Outcome.ERROR, null, describe(cause), -1);
                }
                cancelOnCluster();
                return;
            }
            Page page = response.body();
            if (page.status() != 200) {
                boolean retryable = page.status() == 502 || page.status() == 503 || page.status() == 504;
                if (retryable && attempt < MAX_ATTEMPTS && !result.isDone()) {
                    // as Trino's clients do: these mean "try again shortly"
                    CompletableFuture.delayedExecutor(RETRY_DELAY_MILLIS * attempt, TimeUnit.MILLISECONDS, executor).execute(() -> send(httpRequest, attempt + 1));
                    return;
                }
                end(Outcome.ERROR, null, "the cluster answered HTTP " + page.status(), -1);
                cancelOnCluster();
                return;
            }
            StatementSummary summary = page.summary();
            if (queryId == null && summary.queryId() != null) {
                queryId = summary.queryId();
            }
            total.add(page.digest());
            if (page.nextUri() != null) {
                try {
                    nextUri = URI.create(page.nextUri());
                }
                catch (IllegalArgumentException e) {
                    end(Outcome.ERROR, null, "the cluster sent an invalid nextUri", -1);
                    return;
                }
                if (result.isDone()) {
                    // stopped while this page was on its way: the query moved on, cancel where it is now
                    cancelOnCluster();
                    return;
                }
                send(withHeaders(HttpRequest.newBuilder(nextUri).GET()), 1);
                return;
            }
            nextUri = null;
            if ("FINISHED".equals(summary.state())) {
                end(Outcome.FINISHED, null, null, summary.elapsedMillis());
            }
            else if ("USER_CANCELED".equals(summary.errorName())) {
                end(Outcome.CANCELLED, summary.errorName(), summary.errorMessage(), summary.elapsedMillis());
            }
            else {
                end(Outcome.FAILED, summary.errorName(), summary.errorMessage(), summary.elapsedMillis());
            }
        }

        private void end(Outcome outcome, String errorName, String message, long reportedMillis)
        {
            result.complete(side(outcome, errorName, message, reportedMillis));
        }

        private SideResult side(Outcome outcome, String errorName, String message, long reportedMillis)
        {
            long elapsed = reportedMillis >= 0 ? reportedMillis : Duration.ofNanos(System.nanoTime() - startNanos).toMillis();
            boolean rowsKnown = outcome == Outcome.FINISHED && !total.spooled();
            return new SideResult(cluster.id().value(), queryId, outcome, errorName, message, rowsKnown, total.rows(), total.checksum(), elapsed);
        }

        private void cancelOnCluster()
        {
            URI uri = nextUri;
            if (uri == null) {
                return;
            }
            HttpRequest.Builder cancel = HttpRequest.newBuilder(uri).DELETE();
            try {
                http.sendAsync(withHeaders(cancel), HttpResponse.BodyHandlers.discarding());
            }
            catch (RuntimeException e) {
                // nothing more to do: the cluster abandons a query its client stopped polling
            }
        }

        /** Counts response bytes against the limit; false once over it. */
        private synchronized boolean addBytes(long count)
        {
            bytes += count;
            return bytes <= maxResultBytes;
        }
    }

    /** One statement response as read: its summary, where to go next, and its rows. */
    private record Page(int status, StatementSummary summary, String nextUri, ResultDigest digest)
    {
        static Page status(int status)
        {
            return new Page(status, null, null, null);
        }
    }

    /** Parses a statement response as it arrives, one buffer at a time, holding none of it. */
    private final class PageSubscriber
            implements HttpResponse.BodySubscriber<Page>, StatementResponseRewriter.TokenObserver
    {
        private final Run run;
        private final CompletableFuture<Page> page = new CompletableFuture<>();
        private final ResultDigest digest = new ResultDigest();
        private final StatementResponseRewriter reader = new StatementResponseRewriter(jsonFactory, UnaryOperator.identity(), this);
        private byte[] scratch = new byte[8192];
        private Flow.Subscription subscription;
        private String nextUri;

        PageSubscriber(Run run)
        {
            this.run = run;
        }

        @Override
        public CompletionStage<Page> getBody()
        {
            return page;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription)
        {
            this.subscription = subscription;
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers)
        {
            if (page.isDone()) {
                return;
            }
            try {
                for (ByteBuffer buffer : buffers) {
                    int length = buffer.remaining();
                    if (!run.addBytes(length)) {
                        throw new ResultTooLarge();
                    }
                    if (scratch.length < length) {
                        scratch = new byte[length];
                    }
                    buffer.get(scratch, 0, length);
                    reader.feed(scratch, 0, length, DISCARD);
                }
            }
            catch (IOException | RuntimeException e) {
                subscription.cancel();
                page.completeExceptionally(e);
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure)
        {
            page.completeExceptionally(failure);
        }

        @Override
        public void onComplete()
        {
            if (page.isDone()) {
                return;
            }
            try {
                page.complete(new Page(200, reader.finish(DISCARD), nextUri, digest));
            }
            catch (IOException e) {
                page.completeExceptionally(e);
            }
        }

        @Override
        public void onToken(JsonParser parser, JsonToken token)
                throws IOException
        {
            digest.onToken(parser, token);
            if (token == JsonToken.VALUE_STRING) {
                JsonStreamContext context = parser.getParsingContext();
                if (context.inObject() && context.getParent() != null && context.getParent().inRoot() && "nextUri".equals(context.getCurrentName())) {
                    nextUri = parser.getText();
                }
            }
        }
    }

    /** The shadow query's result grew over the limit. */
    private static final class ResultTooLarge
            extends RuntimeException
    {
        ResultTooLarge()
        {
            super("result too large", null, false, false);
        }
    }

    /** The cause worth reporting: past the wrappers that asynchronous completion adds. */
    private static Throwable unwrap(Throwable failure)
    {
        for (Throwable current = failure; current != null; current = current.getCause()) {
            if (current instanceof ResultTooLarge) {
                return current;
            }
        }
        Throwable current = failure;
        while ((current instanceof java.util.concurrent.CompletionException || current instanceof java.util.concurrent.ExecutionException) && current.getCause() != null) {
            current = current.getCause();
        }
        return current;
    }

    private static String describe(Throwable cause)
    {
        String message = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getClass().getSimpleName() + ": " + cause.getMessage();
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }
}
