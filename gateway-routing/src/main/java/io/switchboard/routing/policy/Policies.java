package io.switchboard.routing.policy;

import io.switchboard.core.spi.RoutingPolicy;

import java.util.List;
import java.util.Locale;
import java.util.random.RandomGenerator;

/** The policies operators name in config. */
public final class Policies
{
    public static final List<String> NAMES = List.of("least-loaded", "weighted-round-robin", "random", "user-hash");

    private Policies() {}

    public static RoutingPolicy named(String name, RandomGenerator random)
    {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "least-loaded" -> new LeastLoadedPolicy(random);
            case "weighted-round-robin", "round-robin" -> new WeightedRoundRobinPolicy();
            case "random" -> new RandomPolicy(random);
            case "user-hash" -> new UserHashPolicy();
            default -> throw new IllegalArgumentException("unknown policy '" + name + "', expected one of " + NAMES);
        };
    }
}
