package io.switchboard.core.protocol;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;

import java.io.IOException;
import java.util.Arrays;

/**
 * Counts the rows of a statement response's {@code data} and sums a hash of each, as the JSON streams through a
 * {@link StatementResponseRewriter}.
 *
 * <p>The checksum does not depend on row order, since clusters return the rows of a query without {@code ORDER BY}
 * in any order, but it does depend on how often each row occurs. Each row is hashed over a canonical form of its
 * values: JSON tokens rather than bytes, so whitespace and escapes do not count; floating-point numbers by value, so
 * {@code 1.50} and {@code 1.5} agree; the fields of a JSON object (a map) in any order. Memory is bounded by the
 * nesting depth of a row, whatever the number of rows. Spooled results ({@code data.segments}) carry no rows here:
 * {@link #spooled()} then says the count means nothing.
 *
 * <p>Not thread-safe: one instance watches one response; {@link #add} merges pages.
 */
public final class ResultDigest
        implements StatementResponseRewriter.TokenObserver
{
    private static final long FNV_OFFSET = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final long ARRAY = 0x51ed270b2f6a8f1dL;
    private static final long OBJECT = 0x2c1b3c6d8e5f7a93L;
    private static final long STRING = 0x3a8f05c5a4b1e2d7L;
    private static final long INTEGER = 0x6b43a9b5e1c2d3f1L;
    private static final long FLOAT = 0x1d8e4e27c47d124fL;
    private static final long TRUE = 0x7f4a7c159e3779b9L;
    private static final long FALSE = 0x94d049bb133111ebL;
    private static final long NULL = 0xbf58476d1ce4e5b9L;

    private long rows;
    private long checksum;
    private boolean spooled;
    // -1 outside data; 0 in the data array; 1 in a row; deeper in nested values
    private int depth = -1;
    private long[] states = new long[8];
    private long[] fieldNames = new long[8];
    private boolean[] objects = new boolean[8];

    public long rows()
    {
        return rows;
    }

    /** The sum of the row hashes, modulo 2^64. */
    public long checksum()
    {
        return checksum;
    }

    /** The data came as spooled segments, which the gateway does not read: rows and checksum are not known. */
    public boolean spooled()
    {
        return spooled;
    }

    /** Adds another page's rows to this digest. */
    public void add(ResultDigest page)
    {
        rows += page.rows;
        checksum += page.checksum;
        spooled |= page.spooled;
    }

    /** The checksum as 16 hex digits, as reports show it. */
    public static String hex(long checksum)
    {
        return String.format("%016x", checksum);
    }

    @Override
    public void onToken(JsonParser parser, JsonToken token)
            throws IOException
    {
        if (depth < 0) {
            if ((token == JsonToken.START_ARRAY || token == JsonToken.START_OBJECT) && isRootData(parser.getParsingContext())) {
                if (token == JsonToken.START_OBJECT) {
                    spooled = true;
                }
                else {
                    depth = 0;
                }
            }
            return;
        }
        switch (token) {
            case START_ARRAY -> push(false);
            case START_OBJECT -> push(true);
            case END_ARRAY, END_OBJECT -> {
                if (depth == 0) {
                    depth = -1;
                }
                else {
                    long hash = mix(states[depth] + (objects[depth] ? OBJECT : ARRAY));
                    depth--;
                    value(hash);
                }
            }
            case FIELD_NAME -> fieldNames[depth] = text(parser.currentName(), STRING);
            case VALUE_STRING -> value(text(parser, STRING));
            case VALUE_NUMBER_INT -> value(text(parser, INTEGER));
            case VALUE_NUMBER_FLOAT -> value(mix(Double.doubleToLongBits(parser.getDoubleValue()) ^ FLOAT));
            case VALUE_TRUE -> value(TRUE);
            case VALUE_FALSE -> value(FALSE);
            default -> value(NULL);
        }
    }

    private void push(boolean object)
    {
        depth++;
        if (depth == states.length) {
            states = Arrays.copyOf(states, depth * 2);
            fieldNames = Arrays.copyOf(fieldNames, depth * 2);
            objects = Arrays.copyOf(objects, depth * 2);
        }
        states[depth] = 0;
        fieldNames[depth] = 0;
        objects[depth] = object;
    }

    /** A complete value at the current depth: a whole row at depth 0, else part of the enclosing array or object. */
    private void value(long hash)
    {
        if (depth == 0) {
            rows++;
            checksum += mix(hash);
        }
        else if (objects[depth]) {
            // a map's entries may come in any order: their hashes are summed
            states[depth] += mix(fieldNames[depth] * GOLDEN + hash);
        }
        else {
            states[depth] = mix(states[depth] * GOLDEN + hash);
        }
    }

    private static long text(JsonParser parser, long tag)
            throws IOException
    {
        char[] characters = parser.getTextCharacters();
        int offset = parser.getTextOffset();
        int end = offset + parser.getTextLength();
        long hash = FNV_OFFSET;
        for (int i = offset; i < end; i++) {
            hash = (hash ^ characters[i]) * FNV_PRIME;
        }
        return mix(hash ^ tag);
    }

    private static long text(String text, long tag)
    {
        long hash = FNV_OFFSET;
        for (int i = 0; i < text.length(); i++) {
            hash = (hash ^ text.charAt(i)) * FNV_PRIME;
        }
        return mix(hash ^ tag);
    }

    /** MurmurHash3's 64-bit finalizer: every input bit affects every output bit. */
    private static long mix(long value)
    {
        long h = value;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    private static boolean isRootData(JsonStreamContext context)
    {
        JsonStreamContext parent = context.getParent();
        return parent != null && parent.inObject() && parent.getParent() != null && parent.getParent().inRoot() && "data".equals(parent.getCurrentName());
    }
}
