package io.switchboard.routing;

/**
 * Trino query ids ({@code yyyyMMdd_HHmmss_NNNNN_ccccc}, 27 characters) as a long and an int, so that tables of queries
 * need no object per id: the 19 digits as one unsigned number, the coordinator's 5 characters in base 36. An id of any
 * other shape has {@link #UNPACKED} as its low part and its string's hash as its high part; its owner keeps the
 * string and compares it.
 */
final class QueryIdPacking
{
    static final int UNPACKED = -1;
    static final int TRINO_ID_LENGTH = 27;

    private QueryIdPacking() {}

    /** The coordinator part of a Trino id in base 36, or {@link #UNPACKED} if the id is not of Trino's shape. */
    static int low(String id)
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

    /**
     * The 19 digits of a Trino id as an unsigned number (they may exceed {@link Long#MAX_VALUE}, never 2^64), or the
     * string's hash when {@code low} is {@link #UNPACKED}.
     */
    static long high(String id, int low)
    {
        if (low == UNPACKED) {
            return id.hashCode();
        }
        long high = 0;
        for (int i = 0; i < 21; i++) {
            if (i != 8 && i != 15) {
                high = high * 10 + (id.charAt(i) - '0');
            }
        }
        return high;
    }

    /** The id packed by {@link #low} and {@link #high}, back as its string. */
    static String unpack(long high, int low)
    {
        char[] id = new char[TRINO_ID_LENGTH];
        long digits = high;
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

    /** A well-mixed hash of a packed id, for open addressing. */
    static int hash(long high, int low)
    {
        long hash = (high ^ (low * 0x9E3779B97F4A7C15L)) * 0xBF58476D1CE4E5B9L;
        hash ^= hash >>> 31;
        hash *= 0x94D049BB133111EBL;
        return (int) (hash ^ (hash >>> 29));
    }
}
