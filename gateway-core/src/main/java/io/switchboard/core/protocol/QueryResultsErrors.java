package io.switchboard.core.protocol;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Writes the Trino-shaped JSON that tells a client about a gateway failure: a {@code QueryResults} whose state is
 * {@code FAILED}, with an {@code error} the CLI and JDBC driver show as they show any query failure.
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
            writeStats(json);
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

    private static void writeStats(JsonGenerator json)
            throws IOException
    {
        json.writeObjectFieldStart("stats");
        json.writeStringField("state", "FAILED");
        json.writeBooleanField("queued", false);
        json.writeBooleanField("scheduled", false);
        for (String field : new String[] {"nodes", "totalSplits", "queuedSplits", "runningSplits", "completedSplits",
                "cpuTimeMillis", "wallTimeMillis", "queuedTimeMillis", "elapsedTimeMillis", "processedRows",
                "processedBytes", "physicalInputBytes", "physicalWrittenBytes", "internalNetworkInputBytes",
                "peakMemoryBytes", "spilledBytes"}) {
            json.writeNumberField(field, 0);
        }
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
