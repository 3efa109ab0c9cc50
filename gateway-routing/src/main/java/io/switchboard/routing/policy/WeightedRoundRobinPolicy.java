package io.switchboard.routing.policy;

import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes the candidates in turn, each as often as its weight says: smooth weighted round robin, as nginx does it. With
 * weights 2 and 1 the turns go a, b, a, a, b, a, ... and every cycle of {@code sum(weights)} turns serves each by its
 * weight. The turn is a counter: for a given counter value the choice is a function of the candidates alone. The
 * cycle is computed once per set of candidates and weights, so a decision costs a comparison of the set, not a replay.
 */
public final class WeightedRoundRobinPolicy
        implements RoutingPolicy
{
    private final AtomicLong turn = new AtomicLong();
    /** The last cycle computed, reused while the candidates and their weights stay the same. */
    private volatile Cycle cycle;

    /** One whole cycle of smooth weighted round robin over a set of candidates: the index chosen at each slot. */
    private record Cycle(String[] ids, int[] weights, int[] order)
    {
        boolean isFor(List<Candidate> candidates)
        {
            if (candidates.size() != ids.length) {
                return false;
            }
            for (int i = 0; i < ids.length; i++) {
                Candidate candidate = candidates.get(i);
                if (candidate.status().cluster().weight() != weights[i] || !candidate.status().id().value().equals(ids[i])) {
                    return false;
                }
            }
            return true;
        }
    }

    @Override
    public Optional<Candidate> choose(RouteRequest request, List<Candidate> candidates)
    {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        Cycle current = cycle;
        if (current == null || !current.isFor(candidates)) {
            current = cycleOf(candidates);
            cycle = current;
        }
        int[] order = current.order();
        return Optional.of(candidates.get(order[(int) Math.floorMod(turn.getAndIncrement(), (long) order.length)]));
    }

    private static Cycle cycleOf(List<Candidate> candidates)
    {
        int size = candidates.size();
        String[] ids = new String[size];
        int[] weights = new int[size];
        int total = 0;
        for (int i = 0; i < size; i++) {
            ids[i] = candidates.get(i).status().id().value();
            weights[i] = candidates.get(i).status().cluster().weight();
            total += weights[i];
        }
        long[] current = new long[size];
        int[] order = new int[total];
        for (int step = 0; step < total; step++) {
            int best = 0;
            for (int i = 0; i < size; i++) {
                current[i] += weights[i];
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            order[step] = best;
        }
        return new Cycle(ids, weights, order);
    }

    @Override
    public String name()
    {
        return "weighted-round-robin";
    }
}
