package io.switchboard.core.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;

import java.io.IOException;
import java.util.Arrays;
import java.util.function.UnaryOperator;

/**
 * Rewrites the URIs in a statement-protocol JSON response as it streams through, chunk by chunk, and notes what the
 * response says about its query.
 *
 * <p>The root fields {@code nextUri}, {@code partialCancelUri} and {@code infoUri}, and the {@code uri} and
 * {@code ackUri} of spooled segments under {@code data.segments}, are replaced by the mapper's answer. Every other
 * byte passes through exactly as the backend sent it: the parser only finds where the URIs are, so {@code data}
 * is never re-serialized. Memory is bounded by the largest single JSON token, whatever the size of the response.
 *
 * <p>Not thread-safe: one instance serves one response.
 */
public final class StatementResponseRewriter
{
    /** Where the rewritten response goes. */
    public interface Sink
    {
        /** Bytes of the chunk passed to the current {@link #feed} call, unchanged. */
        void passThrough(int offset, int length);

        /** Bytes the rewriter produced, or held back from an earlier chunk. The array may be reused after the call. */
        void write(byte[] bytes, int offset, int length);
    }

    /** Sees every JSON token of the response as it is parsed, for callers that read more than the summary. */
    public interface TokenObserver
    {
        void onToken(JsonParser parser, JsonToken token)
                throws IOException;
    }

    private static final int MAX_HELD_BYTES = 64 * 1024;

    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private final UnaryOperator<String> uriMapper;
    private final TokenObserver observer;

    private byte[] chunk;
    private int chunkOffset;
    private long chunkStart;
    private long chunkEnd;
    private long emitted;
    private byte[] held = new byte[256];
    private int heldLength;
    private boolean awaitingUri;
    private long uriSearchFrom;
    private boolean complete;

    private String queryId;
    private String state;
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
        requireNonNull(jsonFactory, "jsonFactory is null");
        this.uriMapper = requireNonNull(uriMapper, "uriMapper is null");
        this.observer = observer;
        try {
            this.parser = jsonFactory.createNonBlockingByteArrayParser();
        }
        catch (IOException e) {
            throw new IllegalStateException(e);
        }
        this.feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    /**
     * Parses one chunk and sends its rewritten form to the sink. Bytes that may belong to a URI still being received
     * are held back until a later chunk completes it.
     */
    public void feed(byte[] bytes, int offset, int length, Sink sink)
            throws IOException
    {
        if (length == 0) {
            return;
        }
        chunk = bytes;
        chunkOffset = offset;
        chunkStart = chunkEnd;
        chunkEnd = chunkStart + length;
        feeder.feedInput(bytes, offset, offset + length);
        drainTokens(sink);
        if (awaitingUri) {
            hold(chunkEnd);
        }
        else {
            emitUpTo(chunkEnd, sink);
        }
        chunk = null;
    }

    /** Ends the response: fails if the JSON is incomplete, and returns what it said about the query. */
    public StatementSummary finish(Sink sink)
            throws IOException
    {
        feeder.endOfInput();
        drainTokens(sink);
        if (!complete) {
            throw new IOException("statement response ended before its JSON was complete");
        }
        if (heldLength > 0) {
            sink.write(held, 0, heldLength);
            heldLength = 0;
        }
        parser.close();
        return summary();
    }

    /** What the response said so far; complete once {@link #finish} returned. */
    public StatementSummary summary()
    {
        return new StatementSummary(queryId, state, hasNextUri, errorName, errorType, errorMessage, updateType, elapsedMillis);
    }

    private void drainTokens(Sink sink)
            throws IOException
    {
        JsonToken token;
        while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
            if (complete) {
                throw new IOException("unexpected content after the statement response's JSON object");
            }
            if (observer != null) {
                observer.onToken(parser, token);
            }
            switch (token) {
                case FIELD_NAME -> onFieldName();
                case VALUE_STRING -> onString(sink);
                case START_OBJECT, START_ARRAY -> awaitingUri = false;
                case END_OBJECT, END_ARRAY -> {
                    awaitingUri = false;
                    if (parser.getParsingContext().inRoot()) {
                        complete = true;
                    }
                }
                case VALUE_NUMBER_INT -> onNumber();
                default -> onOtherValue();
            }
        }
    }

    private void onFieldName()
            throws IOException
    {
        JsonStreamContext context = parser.getParsingContext();
        String name = parser.currentName();
        if (isRootObject(context)) {
            if ("nextUri".equals(name) || "partialCancelUri".equals(name) || "infoUri".equals(name)) {
                startUri();
            }
        }
        else if (("uri".equals(name) || "ackUri".equals(name)) && isSpooledSegment(context)) {
            startUri();
        }
    }

    private void startUri()
    {
        awaitingUri = true;
        uriSearchFrom = parser.currentLocation().getByteOffset();
    }

    private void onString(Sink sink)
            throws IOException
    {
        JsonStreamContext context = parser.getParsingContext();
        if (awaitingUri) {
            awaitingUri = false;
            String value = parser.getText();
            if (isRootObject(context) && "nextUri".equals(context.getCurrentName())) {
                hasNextUri = true;
            }
            rewriteUri(value, sink);
            return;
        }
        if (!context.inObject()) {
            return;
        }
        JsonStreamContext parent = context.getParent();
        String name = context.getCurrentName();
        if (parent.inRoot()) {
            if ("id".equals(name)) {
                queryId = parser.getText();
            }
            else if ("updateType".equals(name)) {
                updateType = parser.getText();
            }
        }
        else if (isRootObject(parent)) {
            String owner = parent.getCurrentName();
            if ("stats".equals(owner) && "state".equals(name)) {
                state = parser.getText();
            }
            else if ("error".equals(owner)) {
                if ("errorName".equals(name)) {
                    errorName = parser.getText();
                }
                else if ("errorType".equals(name)) {
                    errorType = parser.getText();
                }
                else if ("message".equals(name)) {
                    errorMessage = parser.getText();
                }
            }
        }
    }

    private void onNumber()
            throws IOException
    {
        awaitingUri = false;
        JsonStreamContext context = parser.getParsingContext();
        if ("elapsedTimeMillis".equals(context.getCurrentName()) && isRootObject(context.getParent()) && "stats".equals(context.getParent().getCurrentName())) {
            elapsedMillis = parser.getLongValue();
        }
    }

    private void onOtherValue()
    {
        // a null or non-string value where a URI could stand is left as the backend sent it
        awaitingUri = false;
    }

    private void rewriteUri(String backendUri, Sink sink)
            throws IOException
    {
        long valueEnd = parser.currentLocation().getByteOffset();
        long valueStart = findQuote(uriSearchFrom, valueEnd);
        emitUpTo(valueStart, sink);
        byte[] replacement = quote(uriMapper.apply(backendUri));
        sink.write(replacement, 0, replacement.length);
        skipTo(valueEnd);
    }

    private long findQuote(long from, long to)
            throws IOException
    {
        for (long position = Math.max(from, emitted); position < to; position++) {
            if (byteAt(position) == '"') {
                return position;
            }
        }
        throw new IOException("cannot locate a URI value in the statement response");
    }

    private byte byteAt(long position)
    {
        if (position < chunkStart) {
            return held[(int) (position - emitted)];
        }
        return chunk[chunkOffset + (int) (position - chunkStart)];
    }

    /** Sends every byte before {@code end}, from the held bytes first and then from the current chunk. */
    private void emitUpTo(long end, Sink sink)
    {
        if (end <= emitted) {
            return;
        }
        if (heldLength > 0) {
            int fromHeld = (int) Math.min(heldLength, end - emitted);
            sink.write(held, 0, fromHeld);
            if (fromHeld < heldLength) {
                System.arraycopy(held, fromHeld, held, 0, heldLength - fromHeld);
            }
            heldLength -= fromHeld;
            emitted += fromHeld;
        }
        if (end > emitted) {
            sink.passThrough(chunkOffset + (int) (emitted - chunkStart), (int) (end - emitted));
            emitted = end;
        }
    }

    private void skipTo(long end)
    {
        long fromHeld = Math.min(heldLength, end - emitted);
        if (fromHeld > 0) {
            System.arraycopy(held, (int) fromHeld, held, 0, heldLength - (int) fromHeld);
            heldLength -= (int) fromHeld;
        }
        emitted = end;
    }

    /** Keeps the current chunk's unsent bytes until the URI they may belong to is complete. */
    private void hold(long end)
            throws IOException
    {
        long start = Math.max(emitted + heldLength, chunkStart);
        int length = (int) (end - start);
        if (heldLength + length > MAX_HELD_BYTES) {
            throw new IOException("URI in statement response exceeds " + MAX_HELD_BYTES + " bytes");
        }
        if (heldLength + length > held.length) {
            held = Arrays.copyOf(held, Math.max(held.length * 2, heldLength + length));
        }
        System.arraycopy(chunk, chunkOffset + (int) (start - chunkStart), held, heldLength, length);
        heldLength += length;
    }

    private static boolean isRootObject(JsonStreamContext context)
    {
        return context.inObject() && context.getParent() != null && context.getParent().inRoot();
    }

    /** An object inside the array {@code data.segments} of the root object. */
    private static boolean isSpooledSegment(JsonStreamContext context)
    {
        JsonStreamContext array = context.getParent();
        if (array == null || !array.inArray()) {
            return false;
        }
        JsonStreamContext data = array.getParent();
        if (data == null || !data.inObject() || !"segments".equals(data.getCurrentName())) {
            return false;
        }
        return isRootObject(data.getParent()) && "data".equals(data.getParent().getCurrentName());
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
