package io.switchboard.server.shadow;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.util.AsciiString;
import io.switchboard.core.Cluster;
import io.switchboard.core.QueryId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.protocol.GatewayPaths;
import io.switchboard.core.protocol.StatementResponseRewriter;
import io.switchboard.core.protocol.StatementSummary;
import io.switchboard.routing.shadow.ShadowGroup;
import io.switchboard.routing.shadow.ShadowMirror;
import io.switchboard.routing.shadow.ShadowRequest;
import io.switchboard.server.proxy.StatementTap;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Connects the proxy to the {@link ShadowMirror}: offers sampled submissions, and watches the pages of mirrored
 * queries. Queries that are not mirrored cost a map lookup at most, and nothing at all while no mirrored query is in
 * progress.
 */
public final class ShadowTap
        implements StatementTap
{
    private static final Logger log = LoggerFactory.getLogger(ShadowTap.class);
    private static final String EXECUTING = GatewayPaths.STATEMENT + "/executing/";
    private static final Set<AsciiString> NOT_COPIED = Set.of(
            HttpHeaderNames.CONNECTION,
            HttpHeaderNames.KEEP_ALIVE,
            HttpHeaderNames.TE,
            HttpHeaderNames.TRAILER,
            HttpHeaderNames.TRANSFER_ENCODING,
            HttpHeaderNames.UPGRADE,
            HttpHeaderNames.CONTENT_LENGTH,
            HttpHeaderNames.HOST,
            HttpHeaderNames.EXPECT);

    private final ShadowMirror mirror;

    public ShadowTap(ShadowMirror mirror)
    {
        this.mirror = requireNonNull(mirror, "mirror is null");
    }

    @Override
    public void submitted(QueryId queryId, FullHttpRequest request, Cluster cluster, RoutingGroup group, StatementSummary summary)
    {
        if (summary.terminal()) {
            // refused at once (a cluster that answers its submission with the end): nothing worth comparing
            return;
        }
        try {
            offer(queryId, request, cluster, group);
        }
        catch (RuntimeException e) {
            // shadow work must never reach the client's query
            log.warn("event=shadow_failed query_id={} cause=\"{}\"", queryId, e.toString());
        }
    }

    private void offer(QueryId queryId, FullHttpRequest request, Cluster cluster, RoutingGroup group)
    {
        Optional<ShadowGroup> shadow = mirror.group(group);
        if (shadow.isEmpty() || !mirror.sampled(shadow.get())) {
            return;
        }
        String sql = request.content().toString(StandardCharsets.UTF_8);
        List<ShadowRequest.Header> headers = new ArrayList<>(request.headers().size());
        for (Iterator<Map.Entry<CharSequence, CharSequence>> entries = request.headers().iteratorCharSequence(); entries.hasNext(); ) {
            Map.Entry<CharSequence, CharSequence> entry = entries.next();
            if (!NOT_COPIED.contains(AsciiString.of(entry.getKey()).toLowerCase())) {
                headers.add(new ShadowRequest.Header(entry.getKey().toString(), entry.getValue().toString()));
            }
        }
        mirror.offer(shadow.get(), queryId, cluster.id(), sql, headers);
    }

    @Override
    public PageWatch page(String backendTarget)
    {
        if (!mirror.tracking()) {
            return null;
        }
        try {
            return watch(backendTarget);
        }
        catch (RuntimeException e) {
            log.warn("event=shadow_failed target={} cause=\"{}\"", backendTarget, e.toString());
            return null;
        }
    }

    private PageWatch watch(String backendTarget)
    {
        int question = backendTarget.indexOf('?');
        String path = question < 0 ? backendTarget : backendTarget.substring(0, question);
        Optional<QueryId> queryId = GatewayPaths.queryIdOf(path, null);
        if (queryId.isEmpty()) {
            return null;
        }
        ShadowMirror.PrimaryPage page = mirror.page(queryId.get(), token(path));
        return page == null ? null : new Watch(page);
    }

    @Override
    public void ended(QueryId queryId, StatementSummary summary)
    {
        if (mirror.tracking()) {
            try {
                mirror.primaryEnded(queryId, summary);
            }
            catch (RuntimeException e) {
                log.warn("event=shadow_failed query_id={} cause=\"{}\"", queryId, e.toString());
            }
        }
    }

    /** The page number that ends an executing statement path, or -1 for queued paths and anything else. */
    static long token(String path)
    {
        if (!path.startsWith(EXECUTING)) {
            return -1;
        }
        int slash = path.lastIndexOf('/');
        try {
            return Long.parseLong(path.substring(slash + 1));
        }
        catch (NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Feeds a mirrored page's tokens to its row digest. A failure here stops the counting, never the page: the
     * primary's rows are then left out of the comparison.
     */
    private static final class Watch
            implements PageWatch, StatementResponseRewriter.TokenObserver
    {
        private final ShadowMirror.PrimaryPage page;
        private boolean failed;

        Watch(ShadowMirror.PrimaryPage page)
        {
            this.page = page;
        }

        @Override
        public StatementResponseRewriter.TokenObserver tokens()
        {
            return this;
        }

        @Override
        public void onToken(JsonParser parser, JsonToken token)
        {
            if (failed) {
                return;
            }
            try {
                page.rows().onToken(parser, token);
            }
            catch (IOException | RuntimeException e) {
                failed = true;
                log.warn("event=shadow_rows_uncounted cause=\"{}\"", e.toString());
            }
        }

        @Override
        public void completed(StatementSummary summary)
        {
            try {
                if (failed) {
                    page.completedUncounted(summary);
                }
                else {
                    page.completed(summary);
                }
            }
            catch (RuntimeException e) {
                log.warn("event=shadow_failed query_id={} cause=\"{}\"", summary.queryId(), e.toString());
            }
        }
    }
}
