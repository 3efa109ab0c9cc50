package io.switchboard.routing.policy;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Optional;
import java.util.random.RandomGenerator;

/** A random candidate, each with a chance proportional to its weight. */
public final class RandomPolicy
        implements RoutingPolicy
{
    private final RandomGenerator random;

    public RandomPolicy(RandomGenerator random)
    {
        this.random = requireNonNull(random, "random is null");
    }

    @Override
    public Optional<Candidate> choose(RouteRequest request, List<Candidate> candidates)
    {
        if (candidates.isEmpty()) {
            return Optional.empty();
        }
        int total = 0;
        for (Candidate candidate : candidates) {
            total += candidate.status().cluster().weight();
        }
        int point = random.nextInt(total);
        for (Candidate candidate : candidates) {
            point -= candidate.status().cluster().weight();
            if (point < 0) {
                return Optional.of(candidate);
            }
        }
        return Optional.of(candidates.get(candidates.size() - 1));
    }

    @Override
    public String name()
    {
        return "random";
    }
}
