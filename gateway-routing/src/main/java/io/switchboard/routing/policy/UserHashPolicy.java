package io.switchboard.routing.policy;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;
import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Optional;

/**
 * The same user always lands on the same cluster while it stays eligible (for caches and per-user resource groups).
 * Rendezvous hashing: when a cluster leaves, only its users move, and they spread over the others by weight.
 */
public final class UserHashPolicy
        implements RoutingPolicy
{
    @Override
    public Optional<Candidate> choose(RouteRequest request, List<Candidate> candidates)
    {
        String user = request.user().orElse("");
        Candidate best = null;
        double bestScore = Double.NEGATIVE_INFINITY;
        for (Candidate candidate : candidates) {
            long hash = mix(fnv(user) ^ fnv(candidate.status().id().value()));
            // uniform in (0, 1), then weighted rendezvous: -weight / ln(u)
            double uniform = ((hash >>> 11) + 0.5) / (double) (1L << 53);
            double score = -candidate.status().cluster().weight() / Math.log(uniform);
            if (score > bestScore) {
                bestScore = score;
                best = candidate;
            }
        }
        return Optional.ofNullable(best);
    }

    private static long fnv(String text)
    {
        long hash = 0xcbf29ce484222325L;
        for (byte b : text.getBytes(UTF_8)) {
            hash ^= b;
            hash *= 0x100000001b3L;
        }
        return hash;
    }

    private static long mix(long value)
    {
        long z = value + 0x9e3779b97f4a7c15L;
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    @Override
    public String name()
    {
        return "user-hash";
    }
}
