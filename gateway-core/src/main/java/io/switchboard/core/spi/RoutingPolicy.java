package io.switchboard.core.spi;

import java.util.List;
import java.util.Optional;

/** Chooses one cluster among the eligible ones of a routing group: a function of the request and the candidates. */
public interface RoutingPolicy
{
    /**
     * @param candidates the eligible clusters, in a stable order; empty gives empty
     */
    Optional<Candidate> choose(RouteRequest request, List<Candidate> candidates);

    /** The name operators use in config and that explain shows. */
    String name();
}
