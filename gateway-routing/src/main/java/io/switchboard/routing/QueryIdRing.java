package io.switchboard.routing;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * A bounded ring of query ids in the order they were added, with an index from id to slot; once full, adding
 * overwrites the oldest. Owners keep their own values in arrays parallel to the slots. Not thread-safe: owners lock.
 *
 * <p>Trino ids are kept packed in a long and an int ({@link QueryIdPacking}), with no object per id. Any other id is
 * kept as its string in a column allocated on the first such id. A {@link SlotIndex} maps ids to slots; a lookup reads
 * an id's columns only when its hash matches.
 *
 * <p>The arrays start small and double until they reach the capacity, so an empty ring costs little and a full one
 * holds exactly {@code capacity} slots. Before it first wraps, slot {@code n} holds the n-th id added; after, the
 * sequence number {@code n} lives in slot {@code n % capacity}. Each doubling rebuilds the index, a pause of a few
 * milliseconds per million ids under the owner's lock; it happens only while the ring first fills.
 */
final class QueryIdRing
{
    /** Larger would need an index array longer than Java allows. */
    static final int MAX_CAPACITY = 1 << 29;

    private static final int UNPACKED = QueryIdPacking.UNPACKED;
    private static final int INITIAL_SLOTS = 64;

    private final int capacity;
    private final IntConsumer onGrow;
    private long[] packedHigh;
    private int[] packedLow;
    private String[] unpacked;
    private long[] index;
    private long added;

    /**
     * @param onGrow called with the new number of slots whenever the ring grows, before the new slot is handed out:
     * owners grow their parallel arrays to that length
     */
    QueryIdRing(int capacity, IntConsumer onGrow)
    {
        if (capacity < 1 || capacity > MAX_CAPACITY) {
            throw new IllegalArgumentException("capacity must be between 1 and " + MAX_CAPACITY + ": " + capacity);
        }
        this.capacity = capacity;
        this.onGrow = onGrow;
        int slots = Math.min(capacity, INITIAL_SLOTS);
        this.packedHigh = new long[slots];
        this.packedLow = new int[slots];
        this.index = new long[indexLength(slots)];
    }

    /** Number of slots allocated now; owners size their arrays to it at construction. */
    int slots()
    {
        return packedHigh.length;
    }

    int size()
    {
        return (int) Math.min(added, capacity);
    }

    /** Sequence number of the next id to be added: ids {@code [oldest(), added())} are in the ring. */
    long added()
    {
        return added;
    }

    long oldest()
    {
        return Math.max(0, added - capacity);
    }

    int slotOf(long sequence)
    {
        return (int) (sequence % capacity);
    }

    /** The slot holding the id, or -1. */
    int find(String id)
    {
        int low = QueryIdPacking.low(id);
        long high = QueryIdPacking.high(id, low);
        return find(id, low, high, QueryIdPacking.hash(high, low));
    }

    /**
     * The slot holding the id, or else the id added: {@code ~slot} (negative) for a new id, which takes the oldest id's
     * slot once the ring is full and whose values the owner then overwrites. The id is packed once for both.
     */
    int findOrAdd(String id)
    {
        int low = QueryIdPacking.low(id);
        long high = QueryIdPacking.high(id, low);
        int hash = QueryIdPacking.hash(high, low);
        int slot = find(id, low, high, hash);
        return slot >= 0 ? slot : ~add(id, low, high, hash);
    }

    private int find(String id, int low, long high, int hash)
    {
        int mask = index.length - 1;
        for (int position = hash & mask; ; position = (position + 1) & mask) {
            long entry = index[position];
            if (entry == 0) {
                return -1;
            }
            int slot = SlotIndex.slotIn(entry);
            if (SlotIndex.hashOf(entry) == hash && packedHigh[slot] == high && packedLow[slot] == low && (low != UNPACKED || id.equals(unpacked[slot]))) {
                return slot;
            }
        }
    }

    /** Adds an id that is not there and returns its slot. */
    private int add(String id, int low, long high, int hash)
    {
        int slot;
        if (added < capacity) {
            slot = (int) added;
            if (slot == packedHigh.length) {
                grow();
            }
        }
        else {
            slot = slotOf(added);
            SlotIndex.remove(index, QueryIdPacking.hash(packedHigh[slot], packedLow[slot]), slot);
        }
        if (low == UNPACKED) {
            if (unpacked == null) {
                unpacked = new String[packedHigh.length];
            }
            unpacked[slot] = id;
        }
        else if (unpacked != null) {
            unpacked[slot] = null;
        }
        packedHigh[slot] = high;
        packedLow[slot] = low;
        SlotIndex.insert(index, hash, slot);
        added++;
        return slot;
    }

    String idAt(int slot)
    {
        int low = packedLow[slot];
        return low == UNPACKED ? unpacked[slot] : QueryIdPacking.unpack(packedHigh[slot], low);
    }

    private void grow()
    {
        int slots = (int) Math.min(capacity, 2L * packedHigh.length);
        packedHigh = Arrays.copyOf(packedHigh, slots);
        packedLow = Arrays.copyOf(packedLow, slots);
        if (unpacked != null) {
            unpacked = Arrays.copyOf(unpacked, slots);
        }
        // nothing was overwritten yet: the ids are slots [0, added)
        index = new long[indexLength(slots)];
        for (int slot = 0; slot < added; slot++) {
            SlotIndex.insert(index, QueryIdPacking.hash(packedHigh[slot], packedLow[slot]), slot);
        }
        onGrow.accept(slots);
    }

    private static int indexLength(int slots)
    {
        return Integer.highestOneBit(Math.max(1, slots) * 2 - 1) << 1;
    }
}
