package io.switchboard.server.proxy;

import io.netty.handler.codec.http.FullHttpRequest;
import io.switchboard.core.Cluster;
import io.switchboard.core.QueryId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.protocol.StatementResponseRewriter;
import io.switchboard.core.protocol.StatementSummary;

/**
 * Lets another part of the gateway watch statement traffic as it passes, such as shadow mirroring. The proxy calls it
 * on the client's event loop: an implementation returns at once, never blocks, and never changes what the client
 * gets. {@link #NONE} watches nothing.
 */
public interface StatementTap
{
    StatementTap NONE = new StatementTap() {};

    /**
     * A submission's first answer named its query.
     *
     * @param request the client's submission, readable only during the call
     * @param group the routing group whose cluster took the query
     * @param summary what the first answer said, which may already end the query
     */
    default void submitted(QueryId queryId, FullHttpRequest request, Cluster cluster, RoutingGroup group, StatementSummary summary) {}

    /**
     * A statement follow-up's answer is about to stream through: a watcher of its page, or null to watch nothing,
     * which is the common case and costs nothing more.
     */
    default PageWatch page(String backendTarget)
    {
        return null;
    }

    /** The query ended with no final answer saying so: the client cancelled it, or the gateway failed it. */
    default void ended(QueryId queryId, StatementSummary summary) {}

    /** Watches one statement answer of a query. */
    interface PageWatch
    {
        /** Sees every JSON token of the answer. */
        StatementResponseRewriter.TokenObserver tokens();

        /** The answer passed through whole; its summary says whether the query ended. */
        void completed(StatementSummary summary);
    }
}
