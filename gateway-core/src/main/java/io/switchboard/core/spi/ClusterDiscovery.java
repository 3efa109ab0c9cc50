package io.switchboard.core.spi;

import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;

/** Where the gateway learns which clusters exist: the config file's list, or a catalog such as Consul's. */
public interface ClusterDiscovery
        extends AutoCloseable
{
    /**
     * Starts watching; {@code listener} receives every new complete list of clusters, one call at a time. A source
     * that cannot be reached sends nothing, so the gateway keeps the last list it had.
     */
    void start(Consumer<DiscoveredClusters> listener);

    /**
     * Completes once the source answered for the first time after {@link #start}, its clusters (if they changed) already
     * handed to the listener; or when the source is closed. A list known at construction is an answer already.
     */
    default CompletableFuture<Void> firstAnswer()
    {
        return CompletableFuture.completedFuture(null);
    }

    SourceStatus status();

    @Override
    void close();
}
