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
    private final Cache<QueryId, ClusterId> queries;
    private final Cache<TransactionId, ClusterId> transactions;

    public QueryAffinity(long maximumQueries, long maximumTransactions, Duration transactionIdleExpiry)
    {
        this.queries = Caffeine.newBuilder().maximumSize(maximumQueries).build();
        this.transactions = Caffeine.newBuilder()
                .maximumSize(maximumTransactions)
                .expireAfterAccess(transactionIdleExpiry)
                .build();
    }

    public void recordQuery(QueryId query, ClusterId cluster)
    {
        queries.put(query, cluster);
    }

    public Optional<ClusterId> clusterOfQuery(QueryId query)
    {
        return Optional.ofNullable(queries.getIfPresent(query));
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
