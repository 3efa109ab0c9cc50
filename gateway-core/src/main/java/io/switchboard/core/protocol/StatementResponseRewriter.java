package io.switchboard.core.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;

import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Rewrites the URIs in a statement-protocol JSON response as it streams through, chunk by chunk, and notes what the
 * response says about its query.
 *
 * <p>The root fields {@code nextUri}, {@code partialCancelUri} and {@code infoUri}, and the {@code uri} and
 * {@code ackUri} of spooled segments under {@code data.segments}, are replaced by the mapper's answer. Every other
 * byte passes through exactly as the backend sent it: {@code data} is never decoded or re-serialized. Memory is
 * bounded by the longest URI, whatever the size of the response.
 *
 * <p>The response is read by a purpose-built scanner rather than a general JSON parser: it runs on every poll of
 * every query, and it only needs the nesting, the names of a few fields and the extent of strings. It still checks the
 * whole grammar (nesting, separators, string escapes, numbers and literals), so a body that is not one JSON object
 * fails with an {@link IOException} just as a parser would make it fail. A {@link TokenObserver}, which needs real
 * tokens, gets them from a Jackson parser fed the same bytes; without one no parser exists.
 *
 * <p>Not thread-safe: one instance serves one response.
 */
public final class StatementResponseRewriter
{
    /** Where the rewritten response goes. */
    public interface Sink
    {
        /** Bytes of the chunk passed to the current {@link #feed} call, unchanged; the offset is into that array. */
        void passThrough(int offset, int length);

        /** Bytes the rewriter produced. The array may be reused after the call. */
        void write(byte[] bytes, int offset, int length);
    }

    /** Sees every JSON token of the response as it is parsed, for callers that read more than the summary. */
    public interface TokenObserver
    {
        void onToken(JsonParser parser, JsonToken token)
                throws IOException;
    }

    private static final int MAX_URI_BYTES = 64 * 1024;
    private static final int MAX_CAPTURED_BYTES = 64 * 1024;
    private static final int MAX_KEY_BYTES = 32;
    private static final int MAX_DEPTH = 1000;

    // what the scanner expects next, in the order a turn of its loop takes them; the rare ones last
    private static final int VALUE = 0;
    private static final int VALUE_OR_END = 1;
    private static final int STRING = 2;
    private static final int COMMA_OR_END = 3;
    private static final int KEY = 4;
    private static final int KEY_OR_END = 5;
    private static final int COLON = 6;
    private static final int LITERAL = 7;
    private static final int START = 8;
    private static final int DONE = 9;

    // what an open container is, for the fields that matter
    private static final byte OTHER = 0;
    private static final byte ROOT = 1;
    private static final byte STATS = 2;
    private static final byte ERROR = 3;
    private static final byte DATA = 4;
    private static final byte SEGMENTS = 5;
    private static final byte SEGMENT = 6;

    // the field names that matter, each under one kind of container
    private static final int NO_KEY = 0;
    private static final int NEXT_URI = 1;
    private static final int PARTIAL_CANCEL_URI = 2;
    private static final int INFO_URI = 3;
    private static final int ID = 4;
    private static final int UPDATE_TYPE = 5;
    private static final int STATS_KEY = 6;
    private static final int ERROR_KEY = 7;
    private static final int DATA_KEY = 8;
    private static final int STATE = 9;
    private static final int ELAPSED_TIME_MILLIS = 10;
    private static final int ERROR_NAME = 11;
    private static final int ERROR_TYPE = 12;
    private static final int MESSAGE = 13;
    private static final int SEGMENTS_KEY = 14;
    private static final int URI = 15;
    private static final int ACK_URI = 16;

    private static final String[] KEY_STRINGS = {null, "nextUri", "partialCancelUri", "infoUri", "id", "updateType", "stats", "error", "data",
            "state", "elapsedTimeMillis", "errorName", "errorType", "message", "segments", "uri", "ackUri"};
    private static final byte[][] KEY_NAMES = new byte[KEY_STRINGS.length][];
    private static final int[][] KEYS_BY_ROLE = new int[7][];
    /** The lengths of the names in {@link #KEYS_BY_ROLE}, one bit each, which rule out most names at once. */
    private static final long[] KEY_LENGTHS_BY_ROLE = new long[7];

    static {
        for (int key = 1; key < KEY_STRINGS.length; key++) {
            KEY_NAMES[key] = KEY_STRINGS[key].getBytes(UTF_8);
        }
        KEYS_BY_ROLE[OTHER] = new int[0];
        KEYS_BY_ROLE[ROOT] = new int[] {NEXT_URI, PARTIAL_CANCEL_URI, INFO_URI, ID, UPDATE_TYPE, STATS_KEY, ERROR_KEY, DATA_KEY};
        KEYS_BY_ROLE[STATS] = new int[] {STATE, ELAPSED_TIME_MILLIS};
        KEYS_BY_ROLE[ERROR] = new int[] {ERROR_NAME, ERROR_TYPE, MESSAGE};
        KEYS_BY_ROLE[DATA] = new int[] {SEGMENTS_KEY};
        KEYS_BY_ROLE[SEGMENTS] = new int[0];
        KEYS_BY_ROLE[SEGMENT] = new int[] {URI, ACK_URI};
        for (int role = 0; role < KEYS_BY_ROLE.length; role++) {
            for (int key : KEYS_BY_ROLE[role]) {
                KEY_LENGTHS_BY_ROLE[role] |= 1L << KEY_NAMES[key].length;
            }
        }
    }

    // a string being read: skipped, or its raw bytes collected, and for a URI held back from the output
    private static final int SKIP = 0;
    private static final int CAPTURE = 1;
    private static final int REPLACE = 2;

    // a literal being read: a number by its grammar position, or one of the words
    private static final int NUMBER_MINUS = 0;
    private static final int NUMBER_ZERO = 1;
    private static final int NUMBER_INT = 2;
    private static final int NUMBER_DOT = 3;
    private static final int NUMBER_FRACTION = 4;
    private static final int NUMBER_E = 5;
    private static final int NUMBER_EXPONENT_SIGN = 6;
    private static final int NUMBER_EXPONENT = 7;
    private static final int WORD = 8;
    private static final byte[] TRUE = "true".getBytes(UTF_8);
    private static final byte[] FALSE = "false".getBytes(UTF_8);
    private static final byte[] NULL = "null".getBytes(UTF_8);
    private static final byte[] QUOTE = {'"'};
    private static final byte[] NOTHING = new byte[0];

    private static final boolean[] PLAIN_STRING_BYTE = new boolean[256];
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final boolean[] ENDS_LITERAL = new boolean[256];
    private static final int NUMBER_END = -2;
    private static final int NUMBER_ERROR = -1;
    /** Transitions of the number grammar: {@code NUMBER[state << 8 | byte]} is the next state, or end, or error. */
    private static final byte[] NUMBER = new byte[8 << 8];

    static {
        for (int b = 0; b < 256; b++) {
            PLAIN_STRING_BYTE[b] = b >= 0x20 && b != '"' && b != '\\';
            ENDS_LITERAL[b] = b == ',' || b == '}' || b == ']' || b == ' ' || b == '\n' || b == '\r' || b == '\t';
        }
        Arrays.fill(NUMBER, (byte) NUMBER_ERROR);
        for (int b = 0; b < 256; b++) {
            boolean digit = b >= '0' && b <= '9';
            boolean exponent = b == 'e' || b == 'E';
            if (ENDS_LITERAL[b]) {
                for (int complete : new int[] {NUMBER_ZERO, NUMBER_INT, NUMBER_FRACTION, NUMBER_EXPONENT}) {
                    NUMBER[complete << 8 | b] = NUMBER_END;
                }
            }
            if (digit) {
                NUMBER[NUMBER_MINUS << 8 | b] = (byte) (b == '0' ? NUMBER_ZERO : NUMBER_INT);
                NUMBER[NUMBER_INT << 8 | b] = NUMBER_INT;
                NUMBER[NUMBER_DOT << 8 | b] = NUMBER_FRACTION;
                NUMBER[NUMBER_FRACTION << 8 | b] = NUMBER_FRACTION;
                NUMBER[NUMBER_E << 8 | b] = NUMBER_EXPONENT;
                NUMBER[NUMBER_EXPONENT_SIGN << 8 | b] = NUMBER_EXPONENT;
                NUMBER[NUMBER_EXPONENT << 8 | b] = NUMBER_EXPONENT;
            }
            if (b == '.') {
                NUMBER[NUMBER_ZERO << 8 | b] = NUMBER_DOT;
                NUMBER[NUMBER_INT << 8 | b] = NUMBER_DOT;
            }
            if (exponent) {
                NUMBER[NUMBER_ZERO << 8 | b] = NUMBER_E;
                NUMBER[NUMBER_INT << 8 | b] = NUMBER_E;
                NUMBER[NUMBER_FRACTION << 8 | b] = NUMBER_E;
            }
            if (b == '+' || b == '-') {
                NUMBER[NUMBER_E << 8 | b] = NUMBER_EXPONENT_SIGN;
            }
        }
    }

    private final UnaryOperator<String> uriMapper;
    /**
     * A quote, the public prefix that {@link #toPublic} puts before each URI's target, and a {@code /} that only a
     * target not beginning with one gets: what URIs rewritten as bytes begin with. Null when only the mapper knows the
     * mapping.
     */
    private final byte[] quotedPrefixAndSlash;
    private final TokenObserver observer;
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;

    private int state = START;
    private byte[] kinds = new byte[16];
    private byte[] roles = new byte[16];
    private int depth;
    private int key;

    private boolean stringIsKey;
    private int stringMode;
    private int escape;
    private byte[] captured = NOTHING;
    private int capturedLength;
    private boolean capturedEscapes;
    private boolean capturedTruncated;

    private int literal;
    private byte[] word;
    private int wordIndex;
    private boolean numberWanted;
    private long number;
    private boolean numberOverflow;

    private int regionStart;

    private String queryId;
    private String queryState;
    private boolean hasNextUri;
    private String errorName;
    private String errorType;
    private String errorMessage;
    private String updateType;
    private long elapsedMillis = -1;

    public StatementResponseRewriter(JsonFactory jsonFactory, UnaryOperator<String> uriMapper)
    {
        this(jsonFactory, uriMapper, null);
    }

    /**
     * @param observer sees every token; null for none, which costs nothing
     */
    public StatementResponseRewriter(JsonFactory jsonFactory, UnaryOperator<String> uriMapper, TokenObserver observer)
    {
        this(jsonFactory, uriMapper, null, observer);
    }

    /**
     * A rewriter that gives each URI its public form, exactly as {@link PublicUris#toPublic} does: the gateway's public
     * base, the routed prefix and the routing token, then the URI's path and query. This is the proxy's mapping, and
     * knowing it lets the rewriter copy a URI's target as bytes instead of building Strings for every URI of every
     * poll; a URI with escapes, or with bytes beyond ASCII, still goes through {@link PublicUris#toPublic}.
     *
     * @param observer sees every token; null for none, which costs nothing
     */
    public static StatementResponseRewriter toPublic(JsonFactory jsonFactory, String publicBase, String token, TokenObserver observer)
    {
        requireNonNull(publicBase, "publicBase is null");
        requireNonNull(token, "token is null");
        String prefix = PublicUris.publicPrefix(publicBase, token);
        return new StatementResponseRewriter(jsonFactory, uri -> prefix + PublicUris.targetOf(uri), prefix, observer);
    }

    private StatementResponseRewriter(JsonFactory jsonFactory, UnaryOperator<String> uriMapper, String publicPrefix, TokenObserver observer)
    {
        requireNonNull(jsonFactory, "jsonFactory is null");
        this.uriMapper = requireNonNull(uriMapper, "uriMapper is null");
        // escaping is done character by character, so quoting the prefix alone gives the bytes that quoting a whole
        // public URI begins with; the closing quote is left out of the count where the prefix is written
        this.quotedPrefixAndSlash = publicPrefix == null ? null : quote(publicPrefix + "/");
        this.observer = observer;
        if (observer == null) {
            this.parser = null;
            this.feeder = null;
        }
        else {
            try {
                this.parser = jsonFactory.createNonBlockingByteArrayParser();
            }
            catch (IOException e) {
                throw new IllegalStateException(e);
            }
            this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
        }
    }

    /**
     * Reads one chunk and sends its rewritten form to the sink. The bytes of a URI still being received are held back
     * until a later chunk completes it.
     */
    public void feed(byte[] bytes, int offset, int length, Sink sink)
            throws IOException
    {
        if (length == 0) {
            return;
        }
        int end = offset + length;
        regionStart = offset;
        scan(bytes, offset, end, sink);
        if (!(state == STRING && stringMode == REPLACE) && end > regionStart) {
            sink.passThrough(regionStart, end - regionStart);
        }
        if (observer != null) {
            feeder.feedInput(bytes, offset, end);
            observe();
        }
    }

    /** Ends the response: fails if the JSON is incomplete, and returns what it said about the query. */
    public StatementSummary finish(Sink sink)
            throws IOException
    {
        if (state != DONE) {
            throw new IOException("statement response ended before its JSON was complete");
        }
        if (observer != null) {
            feeder.endOfInput();
            observe();
            parser.close();
        }
        return summary();
    }

    /** What the response said so far; complete once {@link #finish} returned. */
    public StatementSummary summary()
    {
        return new StatementSummary(queryId, queryState, hasNextUri, errorName, errorType, errorMessage, updateType, elapsedMillis);
    }

    private void observe()
            throws IOException
    {
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            observer.onToken(parser, token);
        }
    }

    /**
     * The scanner: one loop over the chunk, its position in the grammar in locals. A turn of the loop follows the
     * grammar's usual order, a value, its separator, the next field's name and colon, each step taken only when the
     * state calls for it, so that a page of members goes through a run of well-predicted tests instead of a jump on the
     * state for every byte. Each step reads a whole token where the chunk holds it (a string up to its quote, a
     * number's digits, a literal's letters, a run of whitespace); a token cut by the end of the chunk leaves its
     * progress in fields and in the state, and the next chunk resumes it. Inside containers none of whose fields
     * matter (most of a page: {@code data}, {@code columns}, the stage tree) it only follows the grammar; the few
     * strings and numbers that matter go to {@link #endString} and {@link #endNumber}.
     */
    private void scan(byte[] bytes, int position, int end, Sink sink)
            throws IOException
    {
        int state = this.state;
        int depth = this.depth;
        byte role = depth == 0 ? OTHER : roles[depth - 1];
        // where the current string's bytes in this chunk begin
        int stringStart = position;
        try {
            while (position < end) {
                byte b;
                if (state >= LITERAL) {
                    // what happens once per response, or when a literal was cut by the end of the previous chunk
                    if (state == LITERAL) {
                        position = literal == WORD ? word(bytes, position, end) : number(bytes, position, end);
                        if (position == end) {
                            break;
                        }
                        state = COMMA_OR_END;
                    }
                    else {
                        position = skipWhitespace(bytes, position, end);
                        if (position == end) {
                            break;
                        }
                        if (state == DONE) {
                            throw new IOException("unexpected content after the statement response's JSON object");
                        }
                        if (bytes[position] != '{') {
                            throw new IOException("statement response is not a JSON object");
                        }
                        depth = open(depth, (byte) '{', ROOT);
                        role = ROOT;
                        state = KEY_OR_END;
                        position++;
                        continue;
                    }
                }
                if (state <= VALUE_OR_END) {
                    b = bytes[position];
                    if ((b & 0xff) <= ' ') {
                        position = skipWhitespace(bytes, position, end);
                        if (position == end) {
                            break;
                        }
                        b = bytes[position];
                    }
                    if (b == '"') {
                        int mode = role == OTHER ? SKIP : valueMode(role);
                        if (mode == SKIP) {
                            // most strings: read to their end here, and only noted in fields when the chunk ends first
                            int quote = string(bytes, position + 1, end);
                            if (quote == end) {
                                startString(false, SKIP);
                                state = STRING;
                                break;
                            }
                            position = quote + 1;
                            state = COMMA_OR_END;
                        }
                        else {
                            state = STRING;
                            stringStart = position + 1;
                            startString(false, mode);
                            if (mode == REPLACE) {
                                if (position > regionStart) {
                                    sink.passThrough(regionStart, position - regionStart);
                                }
                                regionStart = position;
                            }
                            position++;
                        }
                    }
                    else if ((b >= '0' && b <= '9') || b == '-') {
                        literal = b == '-' ? NUMBER_MINUS : b == '0' ? NUMBER_ZERO : NUMBER_INT;
                        numberWanted = role == STATS && key == ELAPSED_TIME_MILLIS && b != '-';
                        number = b - '0';
                        numberOverflow = false;
                        position = number(bytes, position + 1, end);
                        if (position == end) {
                            state = LITERAL;
                            break;
                        }
                        state = COMMA_OR_END;
                    }
                    else if (b == '{' || b == '[') {
                        depth = open(depth, b, role == OTHER ? OTHER : childRole(role, b));
                        role = roles[depth - 1];
                        position++;
                        if (b == '[') {
                            state = VALUE_OR_END;
                            continue;
                        }
                        state = KEY_OR_END;
                    }
                    else if (b == 't' || b == 'f' || b == 'n') {
                        literal = WORD;
                        word = b == 't' ? TRUE : b == 'f' ? FALSE : NULL;
                        wordIndex = 1;
                        position = word(bytes, position + 1, end);
                        if (position == end) {
                            state = LITERAL;
                            break;
                        }
                        state = COMMA_OR_END;
                    }
                    else if (b == ']' && state == VALUE_OR_END) {
                        depth = close(depth, b);
                        role = depth == 0 ? OTHER : roles[depth - 1];
                        state = depth == 0 ? DONE : COMMA_OR_END;
                        position++;
                    }
                    else {
                        throw unexpected(b, "a value");
                    }
                }
                if (state == STRING) {
                    int quote = string(bytes, position, end);
                    if (quote == end) {
                        position = end;
                        break;
                    }
                    position = quote + 1;
                    if (stringMode == SKIP) {
                        state = stringIsKey ? COLON : COMMA_OR_END;
                    }
                    else if (stringIsKey && capturedLength == 0 && !capturedEscapes) {
                        // a name wholly in this chunk is matched where it lies
                        key = keyNamed(role, bytes, stringStart, quote - stringStart);
                        state = COLON;
                    }
                    else {
                        this.depth = depth;
                        endString(bytes, stringStart, quote, sink);
                        state = this.state;
                    }
                }
                if (state == COMMA_OR_END) {
                    position = skipWhitespace(bytes, position, end);
                    if (position == end) {
                        break;
                    }
                    b = bytes[position];
                    position++;
                    if (b == ',') {
                        state = kinds[depth - 1] == '{' ? KEY : VALUE;
                    }
                    else if (b == '}' || b == ']') {
                        depth = close(depth, b);
                        role = depth == 0 ? OTHER : roles[depth - 1];
                        state = depth == 0 ? DONE : COMMA_OR_END;
                        continue;
                    }
                    else {
                        throw unexpected(b, "',' or the end of an object or array");
                    }
                }
                if (state == KEY || state == KEY_OR_END) {
                    position = skipWhitespace(bytes, position, end);
                    if (position == end) {
                        break;
                    }
                    b = bytes[position];
                    position++;
                    if (b == '"') {
                        // the name is read here, not on the next turn, so that a whole member takes one turn; one
                        // that does not matter is only noted in fields when the chunk ends first
                        int mode = role == OTHER || role == SEGMENTS ? SKIP : CAPTURE;
                        if (mode != SKIP) {
                            startString(true, mode);
                        }
                        stringStart = position;
                        int quote = string(bytes, position, end);
                        if (quote == end) {
                            if (mode == SKIP) {
                                startString(true, SKIP);
                            }
                            state = STRING;
                            position = end;
                            break;
                        }
                        position = quote + 1;
                        state = COLON;
                        if (mode != SKIP) {
                            if (capturedEscapes) {
                                this.depth = depth;
                                endString(bytes, stringStart, quote, sink);
                            }
                            else {
                                // a name wholly in this chunk is matched where it lies
                                key = keyNamed(role, bytes, stringStart, quote - stringStart);
                            }
                        }
                    }
                    else if (b == '}' && state == KEY_OR_END) {
                        depth = close(depth, b);
                        role = depth == 0 ? OTHER : roles[depth - 1];
                        state = depth == 0 ? DONE : COMMA_OR_END;
                        continue;
                    }
                    else {
                        throw unexpected(b, "a field name");
                    }
                }
                if (state == COLON) {
                    position = skipWhitespace(bytes, position, end);
                    if (position == end) {
                        break;
                    }
                    b = bytes[position];
                    if (b != ':') {
                        throw unexpected(b, "':'");
                    }
                    state = VALUE;
                    position++;
                }
            }
            if (state == STRING && stringMode != SKIP) {
                collect(bytes, stringStart, end);
            }
        }
        finally {
            this.state = state;
            this.depth = depth;
        }
    }

    /**
     * Reads on through a string's bytes from {@code position}: where its closing quote is, or {@code end} when the
     * chunk ends first. Escapes are checked here, byte by byte, and an escape cut by the end of the chunk is resumed.
     */
    private int string(byte[] bytes, int position, int end)
            throws IOException
    {
        while (position < end) {
            if (escape != 0) {
                escape = nextEscape(escape, bytes[position]);
                position++;
                continue;
            }
            position = skipPlain(bytes, position, end);
            if (position == end) {
                break;
            }
            byte b = bytes[position];
            if (b == '"') {
                return position;
            }
            if (b != '\\') {
                throw new IOException("unescaped control character in a string of the statement response");
            }
            escape = 1;
            capturedEscapes = true;
            position++;
        }
        return end;
    }

    /** Which field that matters under a container of this role a name without escapes is, checked by length first. */
    private static int keyNamed(byte role, byte[] text, int start, int length)
    {
        if (length >= Long.SIZE || (KEY_LENGTHS_BY_ROLE[role] & 1L << length) == 0) {
            return NO_KEY;
        }
        for (int candidate : KEYS_BY_ROLE[role]) {
            byte[] name = KEY_NAMES[candidate];
            if (name.length == length && Arrays.equals(text, start, start + length, name, 0, length)) {
                return candidate;
            }
        }
        return NO_KEY;
    }

    /**
     * Reads on through a number from {@code position}: where the byte that ends it is, or {@code end} when the chunk
     * ends first. Most numbers are plain integers, whose digits a loop of its own passes over; the rest of the grammar
     * goes through the transition table.
     */
    private int number(byte[] bytes, int position, int end)
            throws IOException
    {
        int literal = this.literal;
        if (literal == NUMBER_INT && !numberWanted) {
            position = skipDigits(bytes, position, end);
        }
        while (position < end) {
            byte b = bytes[position];
            int next = NUMBER[literal << 8 | (b & 0xff)];
            if (next < 0) {
                if (next == NUMBER_END) {
                    if (numberWanted) {
                        endNumber(literal);
                    }
                    this.literal = literal;
                    return position;
                }
                if (ENDS_LITERAL[b & 0xff]) {
                    throw new IOException("incomplete literal in the statement response");
                }
                throw unexpected(b, "a number");
            }
            if (numberWanted) {
                digit(next, b);
            }
            literal = next;
            position++;
        }
        this.literal = literal;
        return end;
    }

    /**
     * The first byte from {@code position} that is not a digit, eight bytes at a time: a loop that stops after a
     * number's own count of digits is a branch the processor mispredicts on almost every number.
     */
    private static int skipDigits(byte[] bytes, int position, int end)
    {
        while (position + Long.BYTES <= end) {
            long word = (long) LONGS.get(bytes, position);
            // a byte is a digit when it is 0x3_ and adding 6 leaves it 0x3_; a carry out of a byte that is not a digit
            // only disturbs the bytes after it
            long nonDigits = ((word & 0xF0F0F0F0F0F0F0F0L) ^ 0x3030303030303030L)
                    | (((word + 0x0606060606060606L) & 0xF0F0F0F0F0F0F0F0L) ^ 0x3030303030303030L);
            if (nonDigits != 0) {
                return position + (Long.numberOfTrailingZeros(nonDigits) >>> 3);
            }
            position += Long.BYTES;
        }
        while (position < end && bytes[position] >= '0' && bytes[position] <= '9') {
            position++;
        }
        return position;
    }

    /** Reads on through {@code true}, {@code false} or {@code null}: where the byte that ends it is, or {@code end}. */
    private int word(byte[] bytes, int position, int end)
            throws IOException
    {
        byte[] word = this.word;
        int wordIndex = this.wordIndex;
        while (position < end) {
            byte b = bytes[position];
            if (ENDS_LITERAL[b & 0xff]) {
                if (wordIndex != word.length) {
                    throw new IOException("incomplete literal in the statement response");
                }
                return position;
            }
            if (wordIndex == word.length || word[wordIndex] != b) {
                throw unexpected(b, "'" + new String(word, UTF_8) + "'");
            }
            wordIndex++;
            position++;
        }
        this.wordIndex = wordIndex;
        return end;
    }

    /** The first byte from {@code position} that is not JSON whitespace, or {@code end}. */
    private static int skipWhitespace(byte[] bytes, int position, int end)
    {
        while (position < end) {
            byte b = bytes[position];
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                break;
            }
            position++;
        }
        return position;
    }

    /** The first byte from {@code position} that ends a run of plain string bytes, eight bytes at a time. */
    private static int skipPlain(byte[] bytes, int position, int end)
    {
        while (position + Long.BYTES <= end) {
            long word = (long) LONGS.get(bytes, position);
            long quotes = word ^ 0x2222222222222222L;
            long backslashes = word ^ 0x5C5C5C5C5C5C5C5CL;
            long found = ((quotes - 0x0101010101010101L) & ~quotes)
                    | ((backslashes - 0x0101010101010101L) & ~backslashes)
                    | ((word - 0x2020202020202020L) & ~word);
            found &= 0x8080808080808080L;
            if (found != 0) {
                return position + (Long.numberOfTrailingZeros(found) >>> 3);
            }
            position += Long.BYTES;
        }
        while (position < end && PLAIN_STRING_BYTE[bytes[position] & 0xff]) {
            position++;
        }
        return position;
    }

    private static int nextEscape(int escape, byte b)
            throws IOException
    {
        if (escape == 1) {
            return switch (b) {
                case '"', '\\', '/', 'b', 'f', 'n', 'r', 't' -> 0;
                case 'u' -> 2;
                default -> throw new IOException("invalid escape in a string of the statement response");
            };
        }
        if (!((b >= '0' && b <= '9') || (b >= 'a' && b <= 'f') || (b >= 'A' && b <= 'F'))) {
            throw new IOException("invalid \\u escape in a string of the statement response");
        }
        return escape == 5 ? 0 : escape + 1;
    }

    /** How a string value under the current field is read: replaced when it is a URI, collected when it is noted. */
    private int valueMode(byte role)
    {
        return switch (key) {
            case NEXT_URI, PARTIAL_CANCEL_URI, INFO_URI -> role == ROOT ? REPLACE : SKIP;
            case URI, ACK_URI -> role == SEGMENT ? REPLACE : SKIP;
            case ID, UPDATE_TYPE, STATE, ERROR_NAME, ERROR_TYPE, MESSAGE -> CAPTURE;
            default -> SKIP;
        };
    }

    /** What a container opened under the current field is. */
    private byte childRole(byte role, byte bracket)
    {
        if (bracket == '{') {
            if (role == ROOT) {
                return switch (key) {
                    case STATS_KEY -> STATS;
                    case ERROR_KEY -> ERROR;
                    case DATA_KEY -> DATA;
                    default -> OTHER;
                };
            }
            return role == SEGMENTS ? SEGMENT : OTHER;
        }
        return role == DATA && key == SEGMENTS_KEY ? SEGMENTS : OTHER;
    }

    private int open(int depth, byte bracket, byte role)
            throws IOException
    {
        if (depth == MAX_DEPTH) {
            throw new IOException("statement response nests deeper than " + MAX_DEPTH + " levels");
        }
        if (depth == kinds.length) {
            kinds = Arrays.copyOf(kinds, depth * 2);
            roles = Arrays.copyOf(roles, depth * 2);
        }
        kinds[depth] = bracket;
        roles[depth] = role;
        key = NO_KEY;
        return depth + 1;
    }

    private int close(int depth, byte bracket)
            throws IOException
    {
        byte open = kinds[depth - 1];
        if ((bracket == '}') != (open == '{')) {
            throw unexpected(bracket, open == '{' ? "'}'" : "']'");
        }
        key = NO_KEY;
        return depth - 1;
    }

    private void startString(boolean isKey, int mode)
    {
        stringIsKey = isKey;
        stringMode = mode;
        capturedLength = 0;
        capturedEscapes = false;
        capturedTruncated = false;
    }

    /** Keeps the bytes of a string that continues into the next chunk. */
    private void collect(byte[] bytes, int from, int to)
            throws IOException
    {
        int length = to - from;
        if (length == 0) {
            return;
        }
        int limit = stringMode == REPLACE ? MAX_URI_BYTES : stringIsKey ? MAX_KEY_BYTES : MAX_CAPTURED_BYTES;
        if (capturedLength + length > limit) {
            if (stringMode == REPLACE) {
                throw new IOException("URI in statement response exceeds " + MAX_URI_BYTES + " bytes");
            }
            capturedTruncated = true;
            length = limit - capturedLength;
        }
        if (capturedLength + length > captured.length) {
            captured = Arrays.copyOf(captured, Math.max(Math.max(64, captured.length * 2), capturedLength + length));
        }
        System.arraycopy(bytes, from, captured, capturedLength, length);
        capturedLength += length;
    }

    /** A string that matters ended at {@code quote}; its last bytes are {@code bytes[from, quote)}. */
    private void endString(byte[] bytes, int from, int quote, Sink sink)
            throws IOException
    {
        byte[] text = bytes;
        int start = from;
        int length = quote - from;
        if (capturedLength > 0 || (stringMode == REPLACE && length > MAX_URI_BYTES)) {
            collect(bytes, from, quote);
            text = captured;
            start = 0;
            length = capturedLength;
        }
        byte role = roles[depth - 1];
        if (stringIsKey) {
            key = capturedTruncated || length > MAX_KEY_BYTES ? NO_KEY : matchKey(KEYS_BY_ROLE[role], text, start, length);
            state = COLON;
            return;
        }
        if (stringMode == REPLACE) {
            if (role == ROOT && key == NEXT_URI) {
                hasNextUri = true;
            }
            if (quotedPrefixAndSlash == null || capturedEscapes || !replaceAsBytes(text, start, start + length, text == bytes, quote, sink)) {
                byte[] replacement = quote(uriMapper.apply(decode(text, start, length)));
                sink.write(replacement, 0, replacement.length);
                regionStart = quote + 1;
            }
        }
        else {
            String value = decode(text, start, Math.min(length, MAX_CAPTURED_BYTES));
            switch (key) {
                case ID -> queryId = value;
                case UPDATE_TYPE -> updateType = value;
                case STATE -> queryState = value;
                case ERROR_NAME -> errorName = value;
                case ERROR_TYPE -> errorType = value;
                case MESSAGE -> errorMessage = value;
                default -> { }
            }
        }
        state = COMMA_OR_END;
    }

    /**
     * Writes the public form of the URI {@code text[start, end)}, which has no escapes, without a String: the quoted
     * prefix, then the URI's target. A target in the chunk is not copied: the output resumes from it, and it passes
     * through with the closing quote. False, with nothing written, when the target has a byte beyond ASCII: the String
     * path would decode and re-encode it, turning a malformed sequence into U+FFFD, and the output must not differ.
     */
    private boolean replaceAsBytes(byte[] text, int start, int end, boolean inChunk, int quote, Sink sink)
    {
        int target = targetStart(text, start, end);
        if (!isAscii(text, target, end)) {
            return false;
        }
        boolean slash = target == end || text[target] != '/';
        sink.write(quotedPrefixAndSlash, 0, quotedPrefixAndSlash.length - (slash ? 1 : 2));
        if (inChunk) {
            regionStart = target;
        }
        else {
            sink.write(text, target, end - target);
            sink.write(QUOTE, 0, 1);
            regionStart = quote + 1;
        }
        return true;
    }

    /**
     * Where the path and query of the URI {@code text[start, end)} begin, by the rules of {@link PublicUris#targetOf},
     * which {@link #replaceAsBytes} relies on: a target that does not begin with {@code /} (a relative path, a bare
     * query, nothing at all) gets one put in front. The bytes searched for are ASCII, and no byte of a multi-byte
     * UTF-8 character is, so the search over bytes stops at the character the search over the String stops at.
     */
    private static int targetStart(byte[] text, int start, int end)
    {
        int scheme = -1;
        for (int i = start; i + 2 < end; i++) {
            if (text[i] == ':' && text[i + 1] == '/' && text[i + 2] == '/') {
                scheme = i;
                break;
            }
        }
        if (scheme < 0) {
            return start;
        }
        int query = -1;
        for (int i = scheme + 3; i < end; i++) {
            if (text[i] == '/') {
                return i;
            }
            if (text[i] == '?' && query < 0) {
                query = i;
            }
        }
        return query < 0 ? end : query;
    }

    private static boolean isAscii(byte[] text, int start, int end)
    {
        int position = start;
        while (position + Long.BYTES <= end) {
            if (((long) LONGS.get(text, position) & 0x8080808080808080L) != 0) {
                return false;
            }
            position += Long.BYTES;
        }
        while (position < end) {
            if (text[position] < 0) {
                return false;
            }
            position++;
        }
        return true;
    }

    private int matchKey(int[] candidates, byte[] text, int start, int length)
    {
        if (capturedEscapes) {
            String name = decode(text, start, length);
            for (int candidate : candidates) {
                if (name.equals(KEY_STRINGS[candidate])) {
                    return candidate;
                }
            }
            return NO_KEY;
        }
        for (int candidate : candidates) {
            byte[] name = KEY_NAMES[candidate];
            if (name.length == length && name[0] == text[start] && Arrays.equals(text, start, start + length, name, 0, length)) {
                return candidate;
            }
        }
        return NO_KEY;
    }

    /** A string's raw bytes with their escapes resolved. */
    private String decode(byte[] text, int start, int length)
    {
        String raw = new String(text, start, length, UTF_8);
        if (!capturedEscapes) {
            return raw;
        }
        // escapes are plain ASCII, so they survive the UTF-8 decoding untouched
        StringBuilder decoded = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c != '\\' || i + 1 >= raw.length()) {
                decoded.append(c);
                continue;
            }
            char escaped = raw.charAt(++i);
            switch (escaped) {
                case 'b' -> decoded.append('\b');
                case 'f' -> decoded.append('\f');
                case 'n' -> decoded.append('\n');
                case 'r' -> decoded.append('\r');
                case 't' -> decoded.append('\t');
                case 'u' -> {
                    if (i + 4 < raw.length()) {
                        decoded.append((char) Integer.parseInt(raw, i + 1, i + 5, 16));
                    }
                    i += 4;
                }
                default -> decoded.append(escaped);
            }
        }
        return decoded.toString();
    }

    private void digit(int next, byte b)
    {
        if (next != NUMBER_INT) {
            return;
        }
        if (number > (Long.MAX_VALUE - 9) / 10) {
            numberOverflow = true;
        }
        number = number * 10 + (b - '0');
    }

    /** The number under {@code stats.elapsedTimeMillis} ended; only a plain integer counts. */
    private void endNumber(int literal)
    {
        if ((literal == NUMBER_INT || literal == NUMBER_ZERO) && !numberOverflow) {
            elapsedMillis = number;
        }
        numberWanted = false;
    }

    private static IOException unexpected(byte b, String expected)
    {
        String found = b >= 0x20 && b < 0x7f ? "'" + (char) b + "'" : String.format("byte 0x%02x", b & 0xff);
        return new IOException("malformed statement response: " + found + " where " + expected + " belongs");
    }

    private static byte[] quote(String value)
    {
        int length = value.length();
        byte[] plain = new byte[length + 2];
        plain[0] = '"';
        plain[length + 1] = '"';
        for (int i = 0; i < length; i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') {
                return quoteEscaped(value);
            }
            plain[i + 1] = (byte) c;
        }
        return plain;
    }

    private static byte[] quoteEscaped(String value)
    {
        StringBuilder builder = new StringBuilder(value.length() + 2);
        builder.append('"');
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            switch (c) {
                case '"' -> builder.append("\\\"");
                case '\\' -> builder.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        builder.append(String.format("\\u%04x", (int) c));
                    }
                    else {
                        builder.append(c);
                    }
                }
            }
        }
        builder.append('"');
        return builder.toString().getBytes(UTF_8);
    }
}
