package io.switchboard.routing.shadow;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Recent comparisons and mismatches, bounded, with running totals: what the admin API reports. */
public final class ShadowReport
{
    /** Totals since start, and the newest comparisons first. */
    public record Snapshot(
            long mirrored,
            long compared,
            long matched,
            long mismatched,
            long notCompared,
            Map<String, Long> dropped,
            Map<String, Long> skipped,
            int inFlight,
            List<Comparison> mismatches,
            List<Comparison> recent) {}

    private final int capacity;
    private final ArrayDeque<Comparison> recent = new ArrayDeque<>();
    private final ArrayDeque<Comparison> mismatches = new ArrayDeque<>();
    private final Map<String, Long> dropped = new LinkedHashMap<>();
    private final Map<String, Long> skipped = new LinkedHashMap<>();
    private long mirrored;
    private long matched;
    private long mismatched;
    private long notCompared;

    public ShadowReport(int capacity)
    {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
    }

    synchronized void mirrored()
    {
        mirrored++;
    }

    synchronized void dropped(String reason)
    {
        dropped.merge(reason, 1L, Long::sum);
    }

    synchronized void skipped(String reason)
    {
        skipped.merge(reason, 1L, Long::sum);
    }

    synchronized void add(Comparison comparison)
    {
        switch (comparison.verdict()) {
            case MATCH -> matched++;
            case MISMATCH -> {
                mismatched++;
                append(mismatches, comparison);
            }
            case NOT_COMPARED -> notCompared++;
        }
        append(recent, comparison);
    }

    /** The totals, and at most {@code limit} of the newest comparisons and of the newest mismatches. */
    public synchronized Snapshot snapshot(int limit, int inFlight)
    {
        return new Snapshot(mirrored, matched + mismatched + notCompared, matched, mismatched, notCompared, Map.copyOf(dropped), Map.copyOf(skipped), inFlight,
                newest(mismatches, limit), newest(recent, limit));
    }

    private void append(ArrayDeque<Comparison> deque, Comparison comparison)
    {
        deque.addLast(comparison);
        while (deque.size() > capacity) {
            deque.removeFirst();
        }
    }

    private static List<Comparison> newest(ArrayDeque<Comparison> deque, int limit)
    {
        List<Comparison> result = new ArrayList<>(Math.min(limit, deque.size()));
        for (Iterator<Comparison> iterator = deque.descendingIterator(); iterator.hasNext() && result.size() < limit; ) {
            result.add(iterator.next());
        }
        return result;
    }
}
