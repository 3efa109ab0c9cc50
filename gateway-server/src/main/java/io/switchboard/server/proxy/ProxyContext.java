package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import io.switchboard.core.protocol.QueryResultsErrors;
import io.switchboard.core.protocol.RoutingTokenCodec;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.LoadTracker;
import io.switchboard.routing.OutlierDetector;
import io.switchboard.routing.QueryHistory;
import io.switchboard.routing.QueryAffinity;
import io.switchboard.routing.QueryLocator;
import io.switchboard.server.metrics.GatewayMetrics;
import io.switchboard.routing.Router;

import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;

/** The services every proxy connection shares; built once by the composition root. */
public record ProxyContext(
        ClusterRegistry registry,
        Router router,
        LoadTracker loadTracker,
        OutlierDetector outliers,
        QueryHistory history,
        GatewayMetrics metrics,
        Clock clock,
        QueryAffinity affinity,
        QueryLocator locator,
        RoutingTokenCodec tokens,
        JsonFactory jsonFactory,
        QueryResultsErrors errors,
        GatewayQueryIds queryIds,
        Optional<URI> publicUri,
        String listenAddress,
        Duration responseTimeout,
        int maxPipelinedRequests,
        int maxSubmitAttempts,
        Admission admission,
        StatementTap tap)
{
    public ProxyContext
    {
        requireNonNull(registry, "registry is null");
        requireNonNull(router, "router is null");
        requireNonNull(loadTracker, "loadTracker is null");
        requireNonNull(outliers, "outliers is null");
        requireNonNull(history, "history is null");
        requireNonNull(metrics, "metrics is null");
        requireNonNull(clock, "clock is null");
        requireNonNull(affinity, "affinity is null");
        requireNonNull(locator, "locator is null");
        requireNonNull(tokens, "tokens is null");
        requireNonNull(jsonFactory, "jsonFactory is null");
        requireNonNull(errors, "errors is null");
        requireNonNull(queryIds, "queryIds is null");
        requireNonNull(publicUri, "publicUri is null");
        requireNonNull(listenAddress, "listenAddress is null");
        requireNonNull(responseTimeout, "responseTimeout is null");
        requireNonNull(admission, "admission is null");
        requireNonNull(tap, "tap is null");
    }
}
