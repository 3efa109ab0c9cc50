package io.switchboard.routing;

import java.util.Arrays;
import java.util.function.IntConsumer;

/**
 * A bounded ring of query ids in the order they were added, with an index from id to slot; once full, adding
 * overwrites the oldest. Owners keep their own values in arrays parallel to the slots. Not thread-safe: owners lock.
 *
 * <p>Trino ids ({@code yyyyMMdd_HHmmss_NNNNN_ccccc}, 27 characters) are kept packed in a long and an int, with no
 * object per id: the 19 digits as one unsigned number, the coordinator's 5 characters in base 36. Any other id is kept
 * as its string in a column allocated on the first such id. The index is open addressing over an int array (the slot
 * plus one, 0 for empty) with linear probing, at most half full.
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

    private static final int TRINO_ID_LENGTH = 27;
    private static final int UNPACKED = -1;
    private static final int INITIAL_SLOTS = 64;

    private final int capacity;
    private final IntConsumer onGrow;
    private long[] packedHigh;
    private int[] packedLow;
    private String[] unpacked;
    private int[] index;
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
        this.index = new int[indexLength(slots)];
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
        int low = packLow(id);
        long high = low == UNPACKED ? unpackedHash(id) : packHigh(id);
        int mask = index.length - 1;
        for (int position = hash(high, low) & mask; ; position = (position + 1) & mask) {
            int entry = index[position];
            if (entry == 0) {
                return -1;
            }
            int slot = entry - 1;
            if (packedHigh[slot] == high && packedLow[slot] == low && (low != UNPACKED || id.equals(unpacked[slot]))) {
                return slot;
            }
        }
    }

    /**
     * Adds an id that {@link #find} did not find and returns its slot, taking the oldest id's slot once the ring is
     * full. The owner then overwrites its values in that slot.
     */
    int add(String id)
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
            removeFromIndex(slot);
        }
        int low = packLow(id);
        if (low == UNPACKED) {
            if (unpacked == null) {
                unpacked = new String[packedHigh.length];
            }
            unpacked[slot] = id;
            packedHigh[slot] = unpackedHash(id);
        }
        else {
            if (unpacked != null) {
                unpacked[slot] = null;
            }
            packedHigh[slot] = packHigh(id);
        }
        packedLow[slot] = low;
        insertIntoIndex(slot);
        added++;
        return slot;
    }

    String idAt(int slot)
    {
        int low = packedLow[slot];
        if (low == UNPACKED) {
            return unpacked[slot];
        }
        char[] id = new char[TRINO_ID_LENGTH];
        long digits = packedHigh[slot];
        for (int i = TRINO_ID_LENGTH - 7; i >= 0; i--) {
            if (i == 8 || i == 15) {
                id[i] = '_';
                continue;
            }
            id[i] = (char) ('0' + Long.remainderUnsigned(digits, 10));
            digits = Long.divideUnsigned(digits, 10);
        }
        id[TRINO_ID_LENGTH - 6] = '_';
        for (int i = TRINO_ID_LENGTH - 1; i > TRINO_ID_LENGTH - 6; i--) {
            id[i] = Character.forDigit(low % 36, 36);
            low /= 36;
        }
        return new String(id);
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
        index = new int[indexLength(slots)];
        for (int slot = 0; slot < added; slot++) {
            insertIntoIndex(slot);
        }
        onGrow.accept(slots);
    }

    private void insertIntoIndex(int slot)
    {
        int mask = index.length - 1;
        int position = hashOfSlot(slot) & mask;
        while (index[position] != 0) {
            position = (position + 1) & mask;
        }
        index[position] = slot + 1;
    }

    /** Backward-shift deletion: later entries of the probe run move up, so that lookups need no tombstones. */
    private void removeFromIndex(int slot)
    {
        int mask = index.length - 1;
        int hole = hashOfSlot(slot) & mask;
        while (index[hole] != slot + 1) {
            hole = (hole + 1) & mask;
        }
        for (int position = (hole + 1) & mask; index[position] != 0; position = (position + 1) & mask) {
            int home = hashOfSlot(index[position] - 1) & mask;
            // the entry may fill the hole if the hole lies on its probe path, from its home to where it is
            if (((position - home) & mask) >= ((position - hole) & mask)) {
                index[hole] = index[position];
                hole = position;
            }
        }
        index[hole] = 0;
    }

    private int hashOfSlot(int slot)
    {
        return hash(packedHigh[slot], packedLow[slot]);
    }

    private static int hash(long high, int low)
    {
        long hash = (high ^ (low * 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        hash ^= hash >>> 31;
        hash *= 0x94D049BB133111EBL;
        return (int) (hash ^ (hash >>> 29));
    }

    private static int indexLength(int slots)
    {
        return Integer.highestOneBit(Math.max(1, slots) * 2 - 1) << 1;
    }

    private static long unpackedHash(String id)
    {
        return id.hashCode();
    }

    /** The coordinator part of a Trino id in base 36, or {@link #UNPACKED} if the id is not of Trino's shape. */
    private static int packLow(String id)
    {
        if (id.length() != TRINO_ID_LENGTH || id.charAt(8) != '_' || id.charAt(15) != '_' || id.charAt(21) != '_') {
            return UNPACKED;
        }
        for (int i = 0; i < 21; i++) {
            char c = id.charAt(i);
            if ((c < '0' || c > '9') && i != 8 && i != 15) {
                return UNPACKED;
            }
        }
        int low = 0;
        for (int i = 22; i < TRINO_ID_LENGTH; i++) {
            char c = id.charAt(i);
            int digit;
            if (c >= '0' && c <= '9') {
                digit = c - '0';
            }
            else if (c >= 'a' && c <= 'z') {
                digit = c - 'a' + 10;
            }
            else {
                return UNPACKED;
            }
            low = low * 36 + digit;
        }
        return low;
    }

    /** The 19 digits of a Trino id as an unsigned number (they may exceed {@link Long#MAX_VALUE}, never 2^64). */
    private static long packHigh(String id)
    {
        long high = 0;
        for (int i = 0; i < 21; i++) {
            if (i != 8 && i != 15) {
                high = high * 10 + (id.charAt(i) - '0');
            }
        }
        return high;
    }
}
