package io.switchboard.it;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;

/** Every answer a raw protocol client saw while following one query to its end, and the rows it collected. */
record QueryOutcome(List<ProtocolResponse> responses, List<JsonNode> rows)
{
    QueryOutcome
    {
        responses = List.copyOf(responses);
        rows = List.copyOf(rows);
        if (responses.isEmpty()) {
            throw new IllegalArgumentException("responses is empty");
        }
    }

    ProtocolResponse last()
    {
        return responses.get(responses.size() - 1);
    }

    /** The final {@code stats.state}; a last answer that is not a QueryResults reads as its HTTP status. */
    String finalState()
    {
        return last().state().orElse("HTTP " + last().status());
    }

    Optional<String> errorMessage()
    {
        return last().errorMessage();
    }

    /** Values of a response header over all answers, in order: Trino sends some headers only on the last one. */
    List<String> headerValues(String name)
    {
        return responses.stream()
                .flatMap(response -> response.headers().allValues(name).stream())
                .toList();
    }

    @Override
    public String toString()
    {
        return "query ended " + finalState() + " after " + responses.size() + " answers; last: " + last();
    }
}
