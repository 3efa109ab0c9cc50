package io.switchboard.routing;

import static java.util.Objects.requireNonNull;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Predicate;

/** The queries this gateway routed most recently, newest last, bounded: what the admin API lists. */
public final class QueryHistory
{
    /** One routed query; {@code state} is the last state seen and {@code ended} is set once it ended. */
    public record Entry(
            String queryId,
            String user,
            String source,
            String cluster,
            String group,
            Instant submitted,
            String state,
            String errorName,
            long elapsedMillis,
            Instant ended)
    {
        public Entry
        {
            requireNonNull(queryId, "queryId is null");
            requireNonNull(submitted, "submitted is null");
        }
    }

    private final int capacity;
    private final LinkedHashMap<String, Entry> entries;

    public QueryHistory(int capacity)
    {
        if (capacity < 1) {
            throw new IllegalArgumentException("capacity must be at least 1");
        }
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(Math.min(capacity, 1024), 0.75f, false)
        {
            @Override
            protected boolean removeEldestEntry(Map.Entry<String, Entry> eldest)
            {
                return size() > QueryHistory.this.capacity;
            }
        };
    }

    public synchronized void submitted(String queryId, String user, String source, String cluster, String group, Instant now)
    {
        entries.putIfAbsent(queryId, new Entry(queryId, user, source, cluster, group, now, "QUEUED", null, -1, null));
    }

    public synchronized void ended(String queryId, String state, String errorName, long elapsedMillis, Instant now)
    {
        Entry entry = entries.get(queryId);
        if (entry != null) {
            entries.put(queryId, new Entry(entry.queryId(), entry.user(), entry.source(), entry.cluster(), entry.group(), entry.submitted(),
                    state, errorName, elapsedMillis, now));
        }
    }

    public synchronized Optional<Entry> find(String queryId)
    {
        return Optional.ofNullable(entries.get(queryId));
    }

    /** The newest entries first that pass the filter, at most {@code limit}. */
    public synchronized List<Entry> recent(Predicate<Entry> filter, int limit)
    {
        List<Entry> all = new ArrayList<>(entries.values());
        List<Entry> result = new ArrayList<>(Math.min(limit, all.size()));
        for (int i = all.size() - 1; i >= 0 && result.size() < limit; i--) {
            if (filter.test(all.get(i))) {
                result.add(all.get(i));
            }
        }
        return result;
    }

    public synchronized int size()
    {
        return entries.size();
    }
}
