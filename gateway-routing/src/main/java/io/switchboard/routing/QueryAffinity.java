package io.switchboard.routing;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.switchboard.core.ClusterId;
import io.switchboard.core.QueryId;
import io.switchboard.core.TransactionId;

import java.time.Duration;
import java.util.Optional;

/**
 * Bounded memory of which cluster owns a query or a transaction. Follow-ups never need it (their routing token says
 * where they go); requests that name only a query id, and statements inside a transaction, do.
 */
public final class QueryAffinity
{
    /** Where a query runs, and the client's source, which follow-up requests do not repeat. */
    public record QueryRoute(ClusterId cluster, String source)
    {
        public QueryRoute
        {
            java.util.Objects.requireNonNull(cluster, "cluster is null");
        }
    }

    private final Cache<QueryId, QueryRoute> queries;
    private final Cache<TransactionId, ClusterId> transactions;

    public QueryAffinity(long maximumQueries, long maximumTransactions, Duration transactionIdleExpiry)
    {
        this.queries = Caffeine.newBuilder().maximumSize(maximumQueries).build();
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
        queries.put(query, new QueryRoute(cluster, source));
    }

    public Optional<QueryRoute> routeOfQuery(QueryId query)
    {
        return Optional.ofNullable(queries.getIfPresent(query));
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
