package io.switchboard.routing.policy;

import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Takes the candidates in turn, each as often as its weight says. The turn is a counter: for a given counter value
 * the choice is a function of the candidates alone.
 */
public final class WeightedRoundRobinPolicy
        implements RoutingPolicy
{
    private final AtomicLong turn = new AtomicLong();

    @Override
    public Optional<Candidate> choose(RouteRequest request, List<Candidate> candidates)
    {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(pick(candidates, turn.getAndIncrement()));
    }

    /**
     * Smooth weighted round robin (as nginx does it), replayed up to this turn's slot of the cycle: with weights 2 and
     * 1 the turns go a, b, a, a, b, a, ... and every cycle of {@code sum(weights)} turns serves each by its weight.
     */
    static Candidate pick(List<Candidate> candidates, long turn)
    {
        int size = candidates.size();
        long total = 0;
        for (Candidate candidate : candidates) {
            total += candidate.status().cluster().weight();
        }
        long slot = Math.floorMod(turn, total);
        long[] current = new long[size];
        int chosen = 0;
        for (long step = 0; step <= slot; step++) {
            int best = 0;
            for (int i = 0; i < size; i++) {
                current[i] += candidates.get(i).status().cluster().weight();
                if (current[i] > current[best]) {
                    best = i;
                }
            }
            current[best] -= total;
            chosen = best;
        }
        return candidates.get(chosen);
    }

    @Override
    public String name()
    {
        return "weighted-round-robin";
    }
}
