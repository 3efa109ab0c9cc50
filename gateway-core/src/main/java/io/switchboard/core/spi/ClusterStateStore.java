package io.switchboard.core.spi;

import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;

import java.io.IOException;
import java.util.Map;

/** Keeps the admin state of clusters across restarts (and, for shared stores, across gateway replicas). */
public interface ClusterStateStore
{
    /** Every stored state; clusters absent from the answer are ACTIVE. */
    Map<ClusterId, AdminState> load()
            throws IOException;

    /** Stores one cluster's state durably before returning. */
    void save(ClusterId cluster, AdminState state)
            throws IOException;
}
