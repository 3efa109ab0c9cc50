package io.switchboard.routing.policy;

import static io.switchboard.routing.Fixtures.candidate;
import static io.switchboard.routing.Fixtures.request;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.spi.Candidate;
import io.switchboard.core.spi.RouteRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

final class TestPolicies
{
    private static final RouteRequest REQUEST = request("alice", null, "SELECT 1");

    @Test
    void leastLoadedComparesLoadRelativeToCapacity()
    {
        LeastLoadedPolicy policy = new LeastLoadedPolicy(new SplittableRandom(1));
        // 30 of 100 is less loaded than 20 of 40
        List<Candidate> candidates = List.of(candidate("big", 1, 100, 30), candidate("small", 1, 40, 20));

        for (int i = 0; i < 20; i++) {
            assertThat(policy.choose(REQUEST, candidates).orElseThrow().status().id().value()).isEqualTo("big");
        }
    }

    @Test
    void leastLoadedNeverPicksTheBusiestOfSeveral()
    {
        LeastLoadedPolicy policy = new LeastLoadedPolicy(new SplittableRandom(7));
        List<Candidate> candidates = List.of(candidate("a", 1, 100, 10), candidate("b", 1, 100, 20), candidate("c", 1, 100, 90));

        Map<String, Integer> counts = count(policy, candidates, 3000);

        assertThat(counts).doesNotContainKey("c");
        assertThat(counts.get("a")).isGreaterThan(counts.get("b"));
    }

    @Test
    void leastLoadedCountsWhatTheGatewaySentSinceTheLastProbe()
    {
        LeastLoadedPolicy policy = new LeastLoadedPolicy(new SplittableRandom(3));
        Candidate probedIdleButJustFed = new Candidate(candidate("a", 1, 10, 0).status(), 0, 8);
        Candidate probedBusier = candidate("b", 1, 10, 3);

        assertThat(policy.choose(REQUEST, List.of(probedIdleButJustFed, probedBusier)).orElseThrow().status().id().value()).isEqualTo("b");
    }

    @Test
    void weightedRoundRobinFollowsTheWeightsInEveryCycle()
    {
        WeightedRoundRobinPolicy policy = new WeightedRoundRobinPolicy();
        List<Candidate> candidates = List.of(candidate("a", 2, 100, 0), candidate("b", 1, 100, 0));

        List<String> turns = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            turns.add(policy.choose(REQUEST, candidates).orElseThrow().status().id().value());
        }

        assertThat(turns).containsExactly("a", "b", "a", "a", "b", "a");
    }

    @Test
    void weightedRoundRobinStartsANewCycleWhenTheCandidatesChange()
    {
        WeightedRoundRobinPolicy policy = new WeightedRoundRobinPolicy();
        List<Candidate> three = List.of(candidate("a", 2, 100, 0), candidate("b", 1, 100, 0), candidate("c", 1, 100, 0));
        List<Candidate> withoutB = List.of(candidate("a", 2, 100, 0), candidate("c", 1, 100, 0));

        Map<String, Integer> before = count(policy, three, 400);
        Map<String, Integer> after = count(policy, withoutB, 300);

        assertThat(before).containsEntry("a", 200).containsEntry("b", 100).containsEntry("c", 100);
        assertThat(after).containsEntry("a", 200).containsEntry("c", 100).doesNotContainKey("b");
    }

    @Test
    void randomFollowsTheWeights()
    {
        Map<String, Integer> counts = count(new RandomPolicy(new SplittableRandom(5)), List.of(candidate("a", 3, 100, 0), candidate("b", 1, 100, 0)), 8000);

        assertThat(counts.get("a") / (double) counts.get("b")).isBetween(2.6, 3.4);
    }

    @Test
    void userHashKeepsAUserOnOneClusterAndMovesOnlyTheUsersOfALeavingCluster()
    {
        UserHashPolicy policy = new UserHashPolicy();
        List<Candidate> three = List.of(candidate("a", 1, 100, 0), candidate("b", 1, 100, 0), candidate("c", 1, 100, 0));
        List<Candidate> withoutC = three.subList(0, 2);
        Map<String, Integer> perCluster = new HashMap<>();

        for (int user = 0; user < 300; user++) {
            RouteRequest request = request("user-" + user, null, "SELECT 1");
            String first = policy.choose(request, three).orElseThrow().status().id().value();
            assertThat(policy.choose(request, three).orElseThrow().status().id().value()).isEqualTo(first);
            perCluster.merge(first, 1, Integer::sum);
            String after = policy.choose(request, withoutC).orElseThrow().status().id().value();
            if (!first.equals("c")) {
                assertThat(after).isEqualTo(first);
            }
        }
        assertThat(perCluster.values()).allSatisfy(count -> assertThat(count).isBetween(60, 140));
    }

    @Test
    void everyPolicyGivesNothingForNoCandidates()
    {
        for (String name : Policies.NAMES) {
            assertThat(Policies.named(name, new SplittableRandom(1)).choose(REQUEST, List.of())).as(name).isEmpty();
        }
    }

    private static Map<String, Integer> count(io.switchboard.core.spi.RoutingPolicy policy, List<Candidate> candidates, int times)
    {
        Map<String, Integer> counts = new HashMap<>();
        for (int i = 0; i < times; i++) {
            counts.merge(policy.choose(REQUEST, candidates).orElseThrow().status().id().value(), 1, Integer::sum);
        }
        return counts;
    }
}
