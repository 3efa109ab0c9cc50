package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Both header families pass through the gateway both ways, and forwarding headers do not break a query. */
final class TestProtocolHeaders
{
    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    private final TrinoProtocol protocol = new TrinoProtocol();

    @Test
    void prestoUserHeaderAloneRunsAQuery()
            throws IOException, InterruptedException
    {
        QueryOutcome outcome = protocol.execute(GATEWAY.gateway().proxyUri(), "SELECT 1", Map.of("X-Presto-User", "test"));

        assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        assertThat(outcome.rows()).hasSize(1);
        assertThat(outcome.rows().get(0).get(0).asInt()).isEqualTo(1);
    }

    @Test
    void prestoSetSessionHeaderComesBackToAPrestoClient()
            throws IOException, InterruptedException
    {
        QueryOutcome outcome = protocol.execute(GATEWAY.gateway().proxyUri(), "SET SESSION query_max_run_time = '2h'",
                Map.of("X-Presto-User", "test"));

        assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        // Trino may repeat the header on more than one answer of a query; what matters is that it arrives unchanged
        assertThat(outcome.headerValues("X-Presto-Set-Session")).containsOnly("query_max_run_time=2h");
    }

    @Test
    void trinoSetSessionHeaderComesBackToATrinoClient()
            throws IOException, InterruptedException
    {
        QueryOutcome outcome = protocol.execute(GATEWAY.gateway().proxyUri(), "SET SESSION query_max_run_time = '3h'",
                TrinoProtocol.TRINO_USER);

        assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        assertThat(outcome.headerValues("X-Trino-Set-Session")).containsOnly("query_max_run_time=3h");
    }

    @Test
    void requestWithForwardedForRunsAgainstAClusterThatRefusesForwardingHeaders()
            throws IOException, InterruptedException
    {
        // a default Trino answers 406 to X-Forwarded-*; the gateway drops them unless a cluster opts in
        QueryOutcome outcome = protocol.execute(GATEWAY.gateway().proxyUri(), "SELECT 1",
                Map.of("X-Trino-User", "test", "X-Forwarded-For", "10.0.0.1"));

        assertThat(outcome.finalState()).as(outcome.toString()).isEqualTo("FINISHED");
        assertThat(outcome.rows()).hasSize(1);
    }
}
