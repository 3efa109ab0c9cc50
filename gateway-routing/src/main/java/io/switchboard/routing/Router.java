package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterStatus;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.protocol.GatewayError;
import io.switchboard.core.protocol.GatewayErrorType;
import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;
import io.switchboard.routing.rules.RoutingRule;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides which cluster a new query goes to: the routing group (requested by header where allowed, else the first
 * matching rule, else the default), then the group's eligible clusters, then the group's policy; a group with no
 * eligible cluster hands over to its fallback group or fails the query.
 */
public final class Router
{
    private static final Logger log = LoggerFactory.getLogger(Router.class);
    /** Rule name reported when the client chose the group by header. */
    public static final String HEADER_RULE = "routing-group-header";
    /** Rule name reported when no rule matched. */
    public static final String DEFAULT_RULE = "default";

    /** The outcome of routing one submission. */
    public sealed interface Decision permits Routed, Rejected, Held
    {
        /** Steps that led to the decision, filled only when explaining. */
        List<String> trace();
    }

    /** The query goes to this cluster of this group (which differs from the selected one after a fallback). */
    public record Routed(ClusterStatus cluster, RoutingGroup group, String rule, String policy, List<String> trace)
            implements Decision
    {
        public Routed
        {
            requireNonNull(cluster, "cluster is null");
            requireNonNull(group, "group is null");
            requireNonNull(rule, "rule is null");
            requireNonNull(policy, "policy is null");
            trace = List.copyOf(trace);
        }
    }

    /** No cluster can take the query; the error says why and names the group. */
    public record Rejected(RoutingGroup group, String rule, GatewayError error, List<String> trace)
            implements Decision
    {
        public Rejected
        {
            requireNonNull(group, "group is null");
            requireNonNull(rule, "rule is null");
            requireNonNull(error, "error is null");
            trace = List.copyOf(trace);
        }
    }

    /**
     * Every eligible cluster of a group that holds queries when full is at capacity: the query waits at the gateway.
     *
     * @param reason what is full, in words
     */
    public record Held(RoutingGroup group, String rule, String reason, List<String> trace)
            implements Decision
    {
        public Held
        {
            requireNonNull(group, "group is null");
            requireNonNull(rule, "rule is null");
            requireNonNull(reason, "reason is null");
            trace = List.copyOf(trace);
        }
    }

    /** Routing settings that change only with the configuration. */
    public record Settings(
            RoutingGroup defaultGroup,
            List<RoutingRule> rules,
            Map<RoutingGroup, GroupSettings> groups,
            Function<RoutingGroup, GroupSettings> unconfiguredGroup,
            boolean allowGroupHeader,
            int panicThresholdPercent)
    {
        public Settings
        {
            requireNonNull(defaultGroup, "defaultGroup is null");
            rules = List.copyOf(rules);
            groups = Map.copyOf(groups);
            requireNonNull(unconfiguredGroup, "unconfiguredGroup is null");
        }
    }

    private final ClusterRegistry registry;
    private final AtomicReference<Settings> settings;
    private final LoadTracker loadTracker;
    private final Clock clock;
    private final Map<RoutingGroup, GroupSettings> unconfigured = new ConcurrentHashMap<>();
    private final Set<RoutingGroup> panicking = ConcurrentHashMap.newKeySet();
    private volatile boolean holdsWhenFull;

    public Router(ClusterRegistry registry, Settings settings, LoadTracker loadTracker, Clock clock)
    {
        this.registry = requireNonNull(registry, "registry is null");
        this.settings = new AtomicReference<>(requireNonNull(settings, "settings is null"));
        this.holdsWhenFull = anyHolds(settings);
        this.loadTracker = requireNonNull(loadTracker, "loadTracker is null");
        this.clock = requireNonNull(clock, "clock is null");
    }

    public RoutingGroup defaultGroup()
    {
        return settings.get().defaultGroup();
    }

    /** Whether any routing group holds queries at the gateway when its clusters are full. */
    public boolean holdsWhenFull()
    {
        return holdsWhenFull;
    }

    /** The routing group a submission selects by header, rule or default, before eligibility and fallback. */
    public RoutingGroup selectGroup(RouteRequest request)
    {
        Settings settings = this.settings.get();
        return requestedGroup(settings, request)
                .or(() -> firstMatch(settings, request).map(RoutingRule::group))
                .orElse(settings.defaultGroup());
    }

    /** The first rule, in order, that the request matches; a loop, as this runs for every submission. */
    private static Optional<RoutingRule> firstMatch(Settings settings, RouteRequest request)
    {
        for (RoutingRule rule : settings.rules()) {
            if (rule.matches(request)) {
                return Optional.of(rule);
            }
        }
        return Optional.empty();
    }

    /** Swaps rules, groups and defaults at once: a decision sees either the old settings or the new ones. */
    public void reconfigure(Settings newSettings)
    {
        settings.set(requireNonNull(newSettings, "newSettings is null"));
        holdsWhenFull = anyHolds(newSettings);
        unconfigured.clear();
    }

    /**
     * Routes a submission and counts it against the chosen cluster's load.
     *
     * @param excluded clusters already tried for this submission
     */
    public Decision route(RouteRequest request, Set<ClusterId> excluded)
    {
        Decision decision = decide(request, excluded, true, null);
        if (decision instanceof Routed routed) {
            loadTracker.submitted(routed.cluster().id());
        }
        return decision;
    }

    /**
     * Routes a request that starts no query (such as {@code /v1/info}): not counted as load, and never held, since a
     * full cluster still answers it.
     */
    public Decision peek(RouteRequest request)
    {
        return decide(request, Set.of(), false, null);
    }

    /** What {@link #route} would decide now, with every step in words; changes nothing. */
    public Decision explain(RouteRequest request)
    {
        return decide(request, Set.of(), true, new ArrayList<>());
    }

    private Decision decide(RouteRequest request, Set<ClusterId> excluded, boolean respectCapacity, List<String> trace)
    {
        Settings settings = this.settings.get();
        RoutingGroup selected = settings.defaultGroup();
        String rule = DEFAULT_RULE;
        Optional<RoutingGroup> requested = requestedGroup(settings, request);
        if (requested.isPresent()) {
            selected = requested.get();
            rule = HEADER_RULE;
            note(trace, "the client asked for routing group '%s' by header", selected);
        }
        else {
            Optional<RoutingRule> matched = firstMatch(settings, request);
            if (matched.isPresent()) {
                selected = matched.get().group();
                rule = matched.get().name();
                if (trace != null) {
                    note(trace, "rule '%s' (%s) matched: routing group '%s'", rule, matched.get().describe(), selected);
                }
            }
            else {
                note(trace, "no rule matched: default routing group '%s'", selected);
            }
        }

        Instant now = clock.instant();
        RoutingGroup group = selected;
        Set<RoutingGroup> visited = new LinkedHashSet<>();
        String reason = "";
        while (visited.add(group)) {
            GroupSettings groupSettings = settingsOf(settings, group);
            List<ClusterStatus> members = registry.snapshot().group(group);
            Eligibility eligibility = eligible(settings, group, members, excluded, now, trace);
            if (!eligibility.candidates().isEmpty()) {
                List<Candidate> candidates = eligibility.candidates();
                if (respectCapacity && groupSettings.holdWhenFull()) {
                    candidates = withRoom(candidates);
                    if (candidates.isEmpty()) {
                        String full = "every eligible cluster of routing group '" + group + "' is at capacity: " + describe(eligibility.candidates());
                        note(trace, "%s, so the query waits at the gateway", full);
                        return new Held(group, rule, full, trace == null ? List.of() : trace);
                    }
                }
                RoutingPolicy policy = groupSettings.policy();
                Optional<Candidate> chosen = policy.choose(request, candidates);
                if (chosen.isPresent()) {
                    if (trace != null) {
                        note(trace, "policy %s chose '%s' among %s", policy.name(), chosen.get().status().id(), describe(candidates));
                    }
                    return new Routed(chosen.get().status(), group, rule, policy.name(), trace == null ? List.of() : trace);
                }
            }
            reason = eligibility.reason();
            if (groupSettings.fallback().isEmpty()) {
                note(trace, "routing group '%s' has no eligible cluster (%s) and no fallback", group, reason);
                break;
            }
            note(trace, "routing group '%s' has no eligible cluster (%s): falling back to '%s'", group, reason, groupSettings.fallback().get());
            group = groupSettings.fallback().get();
        }
        String message = "No cluster available in routing group '" + selected + "': " + reason;
        if (!group.equals(selected)) {
            message += "; fallback routing group '" + group + "' has none either";
        }
        return new Rejected(selected, rule, new GatewayError(GatewayErrorType.NO_ELIGIBLE_CLUSTER, message), trace == null ? List.of() : trace);
    }

    private static boolean anyHolds(Settings settings)
    {
        return settings.groups().values().stream().anyMatch(GroupSettings::holdWhenFull);
    }

    private static Optional<RoutingGroup> requestedGroup(Settings settings, RouteRequest request)
    {
        if (!settings.allowGroupHeader() || request.requestedGroup().isEmpty()) {
            return Optional.empty();
        }
        try {
            return Optional.of(RoutingGroup.of(request.requestedGroup().get().trim()));
        }
        catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    private record Eligibility(List<Candidate> candidates, String reason) {}

    private Eligibility eligible(Settings settings, RoutingGroup group, List<ClusterStatus> members, Set<ClusterId> excluded, Instant now, List<String> trace)
    {
        if (members.isEmpty()) {
            return new Eligibility(List.of(), "it has no clusters");
        }
        List<ClusterStatus> healthy = new ArrayList<>(members.size());
        int ejected = 0;
        for (ClusterStatus status : members) {
            if (status.cluster().shadow()) {
                note(trace, "'%s' is not eligible: it is a shadow cluster, which only receives mirrored queries", status.id());
                continue;
            }
            if (!status.adminState().takesNewQueries()) {
                note(trace, "'%s' is not eligible: admin state %s", status.id(), status.adminState());
                continue;
            }
            if (!status.routable()) {
                note(trace, "'%s' is not eligible: health %s%s", status.id(), status.health(), status.lastError().map(error -> " (" + error + ")").orElse(""));
                continue;
            }
            if (excluded.contains(status.id())) {
                note(trace, "'%s' is not eligible: it already failed to take this query", status.id());
                continue;
            }
            healthy.add(status);
            if (status.ejectedAt(now)) {
                ejected++;
            }
        }
        boolean panic = ejected > 0 && ejected * 100 > settings.panicThresholdPercent() * members.size();
        if (panic) {
            if (panicking.add(group)) {
                log.warn("event=panic group={} ejected={} members={} action=\"routing over every healthy cluster, ejected or not\"", group, ejected, members.size());
            }
            note(trace, "panic: %d of %d clusters of '%s' are ejected, so ejection is ignored", ejected, members.size(), group);
        }
        else if (panicking.remove(group)) {
            log.info("event=panic_over group={}", group);
        }
        List<Candidate> candidates = new ArrayList<>(healthy.size());
        for (ClusterStatus status : healthy) {
            if (!panic && status.ejectedAt(now)) {
                note(trace, "'%s' is not eligible: ejected until %s after repeated failures", status.id(), status.ejectedUntil().orElseThrow());
                continue;
            }
            candidates.add(new Candidate(status, loadTracker.inFlight(status.id()), loadTracker.submittedSinceProbe(status.id())));
        }
        String reason;
        if (!candidates.isEmpty()) {
            reason = "";
        }
        else if (healthy.isEmpty() && !excluded.isEmpty()) {
            reason = "every healthy cluster failed to accept the query";
        }
        else if (healthy.isEmpty() && members.stream().noneMatch(status -> status.adminState().takesNewQueries())) {
            reason = "all of its " + members.size() + " clusters are draining or disabled";
        }
        else if (healthy.isEmpty()) {
            reason = "none of its " + members.size() + " clusters is healthy";
        }
        else {
            reason = "its healthy clusters are ejected after repeated failures";
        }
        return new Eligibility(candidates, reason);
    }

    private static List<Candidate> withRoom(List<Candidate> candidates)
    {
        List<Candidate> withRoom = new ArrayList<>(candidates.size());
        for (Candidate candidate : candidates) {
            if (candidate.estimatedLoad() < candidate.status().cluster().capacity()) {
                withRoom.add(candidate);
            }
        }
        return withRoom;
    }

    private GroupSettings settingsOf(Settings settings, RoutingGroup group)
    {
        GroupSettings configured = settings.groups().get(group);
        if (configured != null) {
            return configured;
        }
        return unconfigured.computeIfAbsent(group, settings.unconfiguredGroup());
    }

    private static String describe(List<Candidate> candidates)
    {
        List<String> parts = new ArrayList<>(candidates.size());
        for (Candidate candidate : candidates) {
            parts.add(String.format(Locale.ROOT, "%s (load %d/%d, in flight here %d)",
                    candidate.status().id(), candidate.estimatedLoad(), candidate.status().cluster().capacity(), candidate.inFlight()));
        }
        return String.join(", ", parts);
    }

    private static void note(List<String> trace, String format, Object... arguments)
    {
        if (trace != null) {
            trace.add(String.format(Locale.ROOT, format, arguments));
        }
    }
}
