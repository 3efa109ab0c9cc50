package io.switchboard.core.spi;

import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;

import java.io.IOException;
import java.util.Map;
import java.util.function.Consumer;

/** Keeps the admin state of clusters across restarts (and, for shared stores, across gateway replicas). */
public interface ClusterStateStore
{
    /** Every stored state; clusters absent from the answer are ACTIVE. */
    Map<ClusterId, AdminState> load()
            throws IOException;

    /** Stores one cluster's state durably before returning. */
    void save(ClusterId cluster, AdminState state)
            throws IOException;

    /**
     * A store shared between replicas calls {@code listener} with every stored state (absent ones are ACTIVE) each
     * time another replica, or an operator, changes them. A local store has nothing to tell.
     */
    default void watch(Consumer<Map<ClusterId, AdminState>> listener) {}

    /** Whether the store answers, for the gateway's health. */
    default SourceStatus status()
    {
        return SourceStatus.local("file", java.time.Instant.EPOCH);
    }
}
