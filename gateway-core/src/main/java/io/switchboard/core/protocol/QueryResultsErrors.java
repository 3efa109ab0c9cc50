package io.switchboard.core.protocol;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the Trino-shaped JSON the gateway answers with itself: a {@code QueryResults} whose state is {@code FAILED},
 * with an {@code error} the CLI and JDBC driver show as they show any query failure, or one whose state is
 * {@code QUEUED} for a query waiting at the gateway, with a {@code nextUri} that keeps the client polling.
 */
public final class QueryResultsErrors
{
    private final JsonFactory jsonFactory;

    public QueryResultsErrors(JsonFactory jsonFactory)
    {
        this.jsonFactory = requireNonNull(jsonFactory, "jsonFactory is null");
    }

    /**
     * @param queryId the id of the failed query, or an id the gateway made up when no cluster ever saw it
     * @param infoUri where the client may look for details (clients require the field)
     */
    public byte[] failedQuery(String queryId, String infoUri, GatewayError error)
    {
        requireNonNull(queryId, "queryId is null");
        requireNonNull(infoUri, "infoUri is null");
        requireNonNull(error, "error is null");
        ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        try (JsonGenerator json = jsonFactory.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", queryId);
            json.writeStringField("infoUri", infoUri);
            writeStats(json, "FAILED", 0, 0);
            writeError(json, error);
            json.writeArrayFieldStart("warnings");
            json.writeEndArray();
            json.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /**
     * A query held in the gateway's queue: the client shows it as queued and polls {@code nextUri}.
     *
     * @param queuedMillis how long the query has waited at the gateway
     */
    public byte[] queuedQuery(String queryId, String infoUri, String nextUri, long queuedMillis)
    {
        requireNonNull(queryId, "queryId is null");
        requireNonNull(infoUri, "infoUri is null");
        requireNonNull(nextUri, "nextUri is null");
        ByteArrayOutputStream out = new ByteArrayOutputStream(768);
        try (JsonGenerator json = jsonFactory.createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("id", queryId);
            json.writeStringField("infoUri", infoUri);
            json.writeStringField("nextUri", nextUri);
            writeStats(json, "QUEUED", queuedMillis, queuedMillis);
            json.writeArrayFieldStart("warnings");
            json.writeEndArray();
            json.writeEndObject();
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    private static void writeStats(JsonGenerator json, String state, long queuedMillis, long elapsedMillis)
            throws IOException
    {
        json.writeObjectFieldStart("stats");
        json.writeStringField("state", state);
        json.writeBooleanField("queued", state.equals("QUEUED"));
        json.writeBooleanField("scheduled", false);
        for (String field : new String[] {"nodes", "totalSplits", "queuedSplits", "runningSplits", "completedSplits",
                "cpuTimeMillis", "wallTimeMillis", "processedRows", "processedBytes", "physicalInputBytes",
                "physicalWrittenBytes", "internalNetworkInputBytes", "peakMemoryBytes", "spilledBytes"}) {
            json.writeNumberField(field, 0);
        }
        json.writeNumberField("queuedTimeMillis", queuedMillis);
        json.writeNumberField("elapsedTimeMillis", elapsedMillis);
        json.writeEndObject();
    }

    private static void writeError(JsonGenerator json, GatewayError error)
            throws IOException
    {
        GatewayErrorType type = error.type();
        json.writeObjectFieldStart("error");
        json.writeStringField("message", error.message());
        json.writeNumberField("errorCode", type.errorCode());
        json.writeStringField("errorName", type.errorName());
        json.writeStringField("errorType", type.errorType());
        json.writeObjectFieldStart("failureInfo");
        json.writeStringField("type", "io.switchboard.GatewayException");
        json.writeStringField("message", error.message());
        json.writeArrayFieldStart("suppressed");
        json.writeEndArray();
        json.writeArrayFieldStart("stack");
        json.writeEndArray();
        json.writeEndObject();
        json.writeEndObject();
    }
}
