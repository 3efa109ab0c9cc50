package io.switchboard.routing.policy;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/**
 * Least loaded relative to capacity, by power of two choices: compares two candidates drawn at random and takes the
 * less loaded. With a stale view shared by several gateways, always taking the single least-loaded cluster would send
 * every gateway's burst to the same one; two random choices spread it and still avoid the busy clusters.
 */
public final class LeastLoadedPolicy
        implements RoutingPolicy
{
    private final RandomGenerator random;

    public LeastLoadedPolicy(RandomGenerator random)
    {
        this.random = requireNonNull(random, "random is null");
    }

    @Override
    public Optional<Candidate> choose(RouteRequest request, List<Candidate> candidates)
    {
        int size = candidates.size();
        if (size == 0) {
            return Optional.empty();
        }
        if (size == 1) {
            return Optional.of(candidates.get(0));
        }
        int first = random.nextInt(size);
        int second = random.nextInt(size - 1);
        if (second >= first) {
            second++;
        }
        return Optional.of(lessLoaded(candidates.get(first), candidates.get(second)));
    }

    private Candidate lessLoaded(Candidate one, Candidate other)
    {
        int byUtilisation = Double.compare(one.utilisation(), other.utilisation());
        if (byUtilisation != 0) {
            return byUtilisation < 0 ? one : other;
        }
        int byQueued = Integer.compare(one.status().load().queued(), other.status().load().queued());
        if (byQueued != 0) {
            return byQueued < 0 ? one : other;
        }
        return random.nextBoolean() ? one : other;
    }

    @Override
    public String name()
    {
        return "least-loaded";
    }
}
