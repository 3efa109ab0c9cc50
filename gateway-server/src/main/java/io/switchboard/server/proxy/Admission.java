package io.switchboard.server.proxy;

import static java.util.Objects.requireNonNull;

import io.netty.handler.codec.http.FullHttpRequest;
import io.switchboard.core.QueryId;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.routing.Router;
import io.switchboard.routing.admission.ConcurrencyLimits;
import io.switchboard.routing.admission.GatewayQueue;
import io.switchboard.server.metrics.GatewayMetrics;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Decides whether a submission may go to a cluster now or waits in the gateway's queue: it must get a concurrency
 * permit (limits per gateway, user and source) and a cluster with room when its group holds queries while full.
 * Waiting queries are admitted in fair order whenever a query ends, and at least every {@link #TICK}, which also
 * notices capacity freed on clusters.
 */
public final class Admission
        implements AutoCloseable
{
    static final Duration TICK = Duration.ofMillis(250);

    /** What an admitted query goes with: its cluster and the permit it gives back when it ends. */
    record Ticket(Router.Routed routed, ConcurrencyLimits.Permit permit)
    {
        Ticket
        {
            requireNonNull(routed, "routed is null");
            requireNonNull(permit, "permit is null");
        }
    }

    /** A queued submission: the request to send once admitted, and what it was routed by. */
    record Pending(FullHttpRequest request, RouteRequest routing, RequestInfo info)
    {
        Pending
        {
            requireNonNull(request, "request is null");
            requireNonNull(routing, "routing is null");
            requireNonNull(info, "info is null");
        }
    }

    sealed interface Start permits Go, Wait, Refuse {}

    /** Send the query now; the caller keeps the request. */
    record Go(Ticket ticket)
            implements Start {}

    /** The query waits; the queue owns the request now. */
    record Wait(GatewayQueue.Entry<Pending> entry)
            implements Start {}

    /** The query fails at once; the caller keeps the request. */
    record Refuse(RoutingGroup group, String rule, GatewayError error)
            implements Start {}

    private final ConcurrencyLimits limits;
    private final Router router;
    private final GatewayMetrics metrics;
    private final GatewayQueue<Pending> queue;
    private final Duration pollWait;
    private final ScheduledExecutorService executor;
    private final AtomicBoolean dispatchScheduled = new AtomicBoolean();

    public Admission(GatewayQueue.Settings queueSettings, Duration pollWait, ConcurrencyLimits.Settings limitSettings, Router router, GatewayMetrics metrics, Clock clock)
    {
        this.router = requireNonNull(router, "router is null");
        this.metrics = requireNonNull(metrics, "metrics is null");
        this.pollWait = requireNonNull(pollWait, "pollWait is null");
        this.limits = new ConcurrencyLimits(limitSettings, this::dispatchSoon);
        this.queue = new GatewayQueue<>(queueSettings, entry -> tryAdmit(entry.payload().routing(), entry.payload().info()), this::discarded, clock);
        this.executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "switchboard-queue");
            thread.setDaemon(true);
            return thread;
        });
        metrics.registerQueueGauges(queue::waiting, limits::running);
    }

    public void start()
    {
        executor.scheduleWithFixedDelay(() -> {
            try {
                queue.expire();
                queue.dispatch();
            }
            catch (RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(Admission.class).error("event=queue_tick_failed", e);
            }
        }, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** New limits for queries admitted from now on. */
    public void reconfigure(ConcurrencyLimits.Settings limitSettings)
    {
        limits.reconfigure(limitSettings);
        dispatchSoon();
    }

    /** Whether submissions must pass admission: a limit is set, or a group holds queries while its clusters are full. */
    boolean active()
    {
        return limits.limiting() || router.holdsWhenFull();
    }

    GatewayQueue<Pending> queue()
    {
        return queue;
    }

    Duration pollWait()
    {
        return pollWait;
    }

    /**
     * Admits a submission at once when nothing waits before it and it may run; otherwise queues it behind the others
     * of its user.
     */
    Start submit(FullHttpRequest request, RouteRequest routing, RequestInfo info, QueryId id, String slug)
    {
        if (queue.waiting() == 0) {
            GatewayQueue.Verdict verdict = tryAdmit(routing, info);
            if (verdict instanceof GatewayQueue.Admit admit) {
                return new Go((Ticket) admit.ticket());
            }
            if (verdict instanceof GatewayQueue.Fail fail) {
                return new Refuse(router.selectGroup(routing), ruleOf(routing), fail.error());
            }
        }
        GatewayQueue.Offer<Pending> offer = queue.offer(id, slug, info.user().orElse(""), new Pending(request, routing, info));
        if (offer instanceof GatewayQueue.Full<Pending> full) {
            return new Refuse(router.selectGroup(routing), ruleOf(routing), full.error());
        }
        GatewayQueue.Entry<Pending> entry = ((GatewayQueue.Queued<Pending>) offer).entry();
        queue.dispatch();
        Optional<GatewayQueue.Claim<Pending>> claim = queue.claim(entry);
        if (claim.isPresent()) {
            return new Go((Ticket) claim.get().ticket());
        }
        return new Wait(entry);
    }

    private GatewayQueue.Verdict tryAdmit(RouteRequest routing, RequestInfo info)
    {
        ConcurrencyLimits.Outcome outcome = limits.tryAcquire(info.user(), info.source());
        if (outcome instanceof ConcurrencyLimits.Denied denied) {
            return new GatewayQueue.Wait(denied.reason());
        }
        ConcurrencyLimits.Permit permit = ((ConcurrencyLimits.Granted) outcome).permit();
        Router.Decision decision = router.route(routing, Set.of());
        if (decision instanceof Router.Routed routed) {
            return new GatewayQueue.Admit(new Ticket(routed, permit));
        }
        permit.cancel();
        if (decision instanceof Router.Held held) {
            return new GatewayQueue.Wait(held.reason());
        }
        return new GatewayQueue.Fail(((Router.Rejected) decision).error());
    }

    private String ruleOf(RouteRequest routing)
    {
        Router.Decision decision = router.peek(routing);
        return decision instanceof Router.Routed routed ? routed.rule() : ((Router.Rejected) decision).rule();
    }

    private void discarded(GatewayQueue.Entry<Pending> entry, Optional<Object> unclaimedTicket, Duration waited, String why)
    {
        entry.payload().request().release();
        unclaimedTicket.ifPresent(ticket -> ((Ticket) ticket).permit().release());
        metrics.queueWait(waited, why);
    }

    private void dispatchSoon()
    {
        if (dispatchScheduled.compareAndSet(false, true)) {
            try {
                executor.execute(() -> {
                    dispatchScheduled.set(false);
                    queue.dispatch();
                });
            }
            catch (java.util.concurrent.RejectedExecutionException e) {
                // stopping
                dispatchScheduled.set(false);
            }
        }
    }

    @Override
    public void close()
    {
        executor.shutdownNow();
        queue.clear();
    }
}
