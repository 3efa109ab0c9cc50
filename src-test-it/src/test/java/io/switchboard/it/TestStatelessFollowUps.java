package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A follow-up finds its query through another gateway replica, or the same one after a restart, by its token alone. */
final class TestStatelessFollowUps
{
    private static final String QUERY = "SELECT name FROM tpch.tiny.nation ORDER BY nationkey";

    @RegisterExtension
    static final GatewayExtension FIRST = GatewayExtension.overSharedTrino("first");
    @RegisterExtension
    static final GatewayExtension SECOND = GatewayExtension.overSharedTrino("second");

    private final TrinoProtocol protocol = new TrinoProtocol();

    @Test
    void queryStartedOnOneGatewayFinishesThroughAnother()
            throws IOException, InterruptedException
    {
        URI second = SECOND.gateway().proxyUri();
        ProtocolResponse submitted = protocol.submit(FIRST.gateway().proxyUri(), QUERY, TrinoProtocol.TRINO_USER);
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);

        QueryOutcome outcome = protocol.followToEnd(submitted, TrinoProtocol.TRINO_USER, uri -> UriRewrites.withAuthorityOf(uri, second));

        assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        assertThat(outcome.responses()).as("answers, the first from the first gateway, the rest from the second").hasSizeGreaterThan(1);
        assertNations(outcome.rows());
    }

    @Test
    void queryStartedBeforeARestartFinishesAfterIt()
            throws IOException, InterruptedException
    {
        ProtocolResponse submitted = protocol.submit(FIRST.gateway().proxyUri(), QUERY, TrinoProtocol.TRINO_USER);
        assertThat(submitted.status()).as(submitted.toString()).isEqualTo(200);
        ProtocolResponse polled = protocol.get(submitted.nextUri().orElseThrow(), TrinoProtocol.TRINO_USER);
        assertThat(polled.status()).as(polled.toString()).isEqualTo(200);

        FIRST.gateway().restart();
        QueryOutcome outcome = protocol.followToEnd(polled, TrinoProtocol.TRINO_USER, UnaryOperator.identity());

        assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        List<JsonNode> rows = new ArrayList<>();
        submitted.json().path("data").forEach(rows::add);
        rows.addAll(outcome.rows());
        assertNations(rows);
    }

    private static void assertNations(List<JsonNode> rows)
    {
        assertThat(rows).hasSize(25);
        assertThat(rows.get(0).get(0).asText()).isEqualTo("ALGERIA");
        assertThat(rows.get(24).get(0).asText()).isEqualTo("UNITED STATES");
    }
}
