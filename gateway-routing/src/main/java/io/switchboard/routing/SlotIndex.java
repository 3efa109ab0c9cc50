package io.switchboard.routing;

/**
 * The open-addressing index that {@link QueryIdRing} and {@link LoadTracker} keep over their columns of packed ids: a
 * {@code long[]} whose length is a power of two, linear probing, at most half full. Each entry holds an id's hash in
 * its upper half and its slot plus one in its lower half (0 for empty), so that a probe compares hashes in the index's
 * own cache line and a deletion moves entries without reading their ids. Owners compare the ids themselves.
 */
final class SlotIndex
{
    private SlotIndex() {}

    static int hashOf(long entry)
    {
        return (int) (entry >>> 32);
    }

    /** The slot of a non-empty entry. */
    static int slotIn(long entry)
    {
        return (int) entry - 1;
    }

    static void insert(long[] index, int hash, int slot)
    {
        int mask = index.length - 1;
        int position = hash & mask;
        while (index[position] != 0) {
            position = (position + 1) & mask;
        }
        index[position] = ((long) hash << 32) | (slot + 1L);
    }

    /** Backward-shift deletion: later entries of the probe run move up, so that lookups need no tombstones. */
    static void remove(long[] index, int hash, int slot)
    {
        int mask = index.length - 1;
        int hole = hash & mask;
        while (slotIn(index[hole]) != slot) {
            hole = (hole + 1) & mask;
        }
        for (int position = (hole + 1) & mask; index[position] != 0; position = (position + 1) & mask) {
            int home = hashOf(index[position]) & mask;
            // the entry may fill the hole if the hole lies on its probe path, from its home to where it is
            if (((position - home) & mask) >= ((position - hole) & mask)) {
                index[hole] = index[position];
                hole = position;
            }
        }
        index[hole] = 0;
    }
}
