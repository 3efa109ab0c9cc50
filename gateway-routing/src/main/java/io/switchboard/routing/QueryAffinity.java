package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;
import io.switchboard.core.TransactionId;

import java.time.Duration;
import java.util.Arrays;
import java.util.Optional;

/**
 * Bounded memory of which cluster owns a query or a transaction. Follow-ups never need it (their routing token says
 * where they go); requests that name only a query id, and statements inside a transaction, do.
 *
 * <p>Queries are recorded once, at submission, so the oldest is the one to forget: they are kept in a
 * {@link QueryIdRing}, first in first out, with one shared {@link QueryRoute} per cluster and source, at about 25
 * bytes a query. Transactions are few and idle ones expire, so they stay in a cache.
 */
public final class QueryAffinity
{
    /** The most queries the map can be configured to remember. */
    public static final int MAX_QUERIES = QueryIdRing.MAX_CAPACITY;

    /** Where a query runs, and the client's source, which follow-up requests do not repeat. */
    public record QueryRoute(ClusterId cluster, String source)
    {
        public QueryRoute
        {
            requireNonNull(cluster, "cluster is null");
        }
    }

    // a flood of distinct sources restarts the table rather than growing it: see BoundedInterner
    private static final int ROUTES = 4096;

    private final Object lock = new Object();
    private final QueryIdRing queries;
    private final BoundedInterner<QueryRoute> routes = new BoundedInterner<>(ROUTES);
    private QueryRoute[] routeOfSlot;
    private final Cache<TransactionId, ClusterId> transactions;

    /**
     * @param maximumQueries how many queries are remembered, at most {@link QueryIdRing#MAX_CAPACITY}
     */
    public QueryAffinity(long maximumQueries, long maximumTransactions, Duration transactionIdleExpiry)
    {
        if (maximumQueries < 1 || maximumQueries > QueryIdRing.MAX_CAPACITY) {
            throw new IllegalArgumentException("maximumQueries must be between 1 and " + QueryIdRing.MAX_CAPACITY + ": " + maximumQueries);
        }
        this.queries = new QueryIdRing((int) maximumQueries, slots -> routeOfSlot = Arrays.copyOf(routeOfSlot, slots));
        this.routeOfSlot = new QueryRoute[queries.slots()];
        this.transactions = Caffeine.newBuilder()
                .maximumSize(maximumTransactions)
                .expireAfterAccess(transactionIdleExpiry)
                .build();
    }

    /**
     * @param source the client's {@code X-Trino-Source}, or null
     */
    public void recordQuery(QueryId query, ClusterId cluster, String source)
    {
        QueryRoute route = new QueryRoute(cluster, source);
        synchronized (lock) {
            int slot = queries.findOrAdd(query.value());
            routeOfSlot[slot < 0 ? ~slot : slot] = routes.intern(route);
        }
    }

    public Optional<QueryRoute> routeOfQuery(QueryId query)
    {
        QueryRoute route;
        synchronized (lock) {
            int slot = queries.find(query.value());
            route = slot < 0 ? null : routeOfSlot[slot];
        }
        return Optional.ofNullable(route);
    }

    public Optional<ClusterId> clusterOfQuery(QueryId query)
    {
        return routeOfQuery(query).map(QueryRoute::cluster);
    }

    public void recordTransaction(TransactionId transaction, ClusterId cluster)
    {
        transactions.put(transaction, cluster);
    }

    public Optional<ClusterId> clusterOfTransaction(TransactionId transaction)
    {
        return Optional.ofNullable(transactions.getIfPresent(transaction));
    }

    public void forgetTransaction(TransactionId transaction)
    {
        transactions.invalidate(transaction);
    }
}
