package io.switchboard.it;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpHeaders;
import java.util.Optional;

/** One HTTP answer of Trino's client protocol, as the client received it. */
record ProtocolResponse(URI requestUri, int status, HttpHeaders headers, String body)
{
    ProtocolResponse
    {
        requireNonNull(requestUri, "requestUri is null");
        requireNonNull(headers, "headers is null");
        requireNonNull(body, "body is null");
    }

    /** The body as JSON; a body that is not JSON fails the test with the body in the message. */
    JsonNode json()
    {
        try {
            return TrinoProtocol.JSON.readTree(body);
        }
        catch (JsonProcessingException e) {
            throw new AssertionError("expected a JSON body from " + requestUri + " (HTTP " + status + ") but got: " + body, e);
        }
    }

    boolean isJson()
    {
        try {
            TrinoProtocol.JSON.readTree(body);
            return !body.isBlank();
        }
        catch (JsonProcessingException e) {
            return false;
        }
    }

    Optional<URI> nextUri()
    {
        return textField("nextUri").map(URI::create);
    }

    Optional<String> queryId()
    {
        return textField("id");
    }

    /** {@code stats.state} of a QueryResults answer, or empty when the answer is not one. */
    Optional<String> state()
    {
        if (!isJson()) {
            return Optional.empty();
        }
        JsonNode state = json().path("stats").path("state");
        return state.isTextual() ? Optional.of(state.asText()) : Optional.empty();
    }

    Optional<String> errorMessage()
    {
        if (!isJson()) {
            return Optional.empty();
        }
        JsonNode message = json().path("error").path("message");
        return message.isTextual() ? Optional.of(message.asText()) : Optional.empty();
    }

    private Optional<String> textField(String name)
    {
        if (status != 200 || !isJson()) {
            return Optional.empty();
        }
        JsonNode node = json().path(name);
        return node.isTextual() ? Optional.of(node.asText()) : Optional.empty();
    }

    @Override
    public String toString()
    {
        return "HTTP " + status + " from " + requestUri + ": " + body;
    }
}
