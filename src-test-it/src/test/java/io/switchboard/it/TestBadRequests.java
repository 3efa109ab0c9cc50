package io.switchboard.it;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Malformed, unknown and tampered requests get a clear answer, and the gateway goes on serving. */
final class TestBadRequests
{
    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    private final TrinoProtocol protocol = new TrinoProtocol();

    @Test
    void garbageRequestLineGets400()
            throws IOException, InterruptedException
    {
        URI proxy = GATEWAY.gateway().proxyUri();
        String statusLine;
        try (Socket socket = new Socket(proxy.getHost(), proxy.getPort())) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write("this is not http\r\n\r\n".getBytes(US_ASCII));
            out.flush();
            BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), US_ASCII));
            statusLine = in.readLine();
        }

        assertThat(statusLine).startsWith("HTTP/1.").contains(" 400");
        assertGatewayStillRunsQueries();
    }

    @Test
    void unknownPathGets404()
            throws IOException, InterruptedException
    {
        ProtocolResponse response = protocol.get(GATEWAY.gateway().proxyUri().resolve("/nope"), TrinoProtocol.TRINO_USER);

        assertThat(response.status()).as(response.toString()).isEqualTo(404);
        assertGatewayStillRunsQueries();
    }

    @Test
    void followUpWithAGarbageRoutingTokenGets404WithATrinoError()
            throws IOException, InterruptedException
    {
        URI nextUri = startQuery();

        ProtocolResponse response = protocol.get(UriRewrites.withRoutingToken(nextUri, "garbage"), TrinoProtocol.TRINO_USER);

        assertNotFoundWithErrorMessage(response);
        cancel(nextUri);
        assertGatewayStillRunsQueries();
    }

    @Test
    void followUpWithAForgedRoutingTokenGets404WithATrinoError()
            throws IOException, InterruptedException
    {
        URI nextUri = startQuery();
        String forged = UriRewrites.forge(UriRewrites.routingToken(nextUri));

        ProtocolResponse response = protocol.get(UriRewrites.withRoutingToken(nextUri, forged), TrinoProtocol.TRINO_USER);

        assertNotFoundWithErrorMessage(response);
        cancel(nextUri);
        assertGatewayStillRunsQueries();
    }

    @Test
    void followUpWithATokenRewrittenToNameTheOtherClusterGets404WithATrinoError()
            throws IOException, InterruptedException
    {
        URI nextUri = startQuery();
        String token = UriRewrites.routingToken(nextUri);
        List<String> clusters = SharedTrinoServers.NAMES;
        // a token that spells out its cluster must still not let a client point a follow-up at another one
        Assumptions.assumeTrue(clusters.stream().anyMatch(token::contains), "the routing token does not name its cluster: " + token);
        String rewritten = token.contains(clusters.get(0))
                ? token.replace(clusters.get(0), clusters.get(1))
                : token.replace(clusters.get(1), clusters.get(0));

        ProtocolResponse response = protocol.get(UriRewrites.withRoutingToken(nextUri, rewritten), TrinoProtocol.TRINO_USER);

        assertNotFoundWithErrorMessage(response);
        cancel(nextUri);
        assertGatewayStillRunsQueries();
    }

    private URI startQuery()
            throws IOException, InterruptedException
    {
        ProtocolResponse response = protocol.submit(GATEWAY.gateway().proxyUri(), "SELECT 1", TrinoProtocol.TRINO_USER);
        assertThat(response.status()).as(response.toString()).isEqualTo(200);
        return response.nextUri().orElseThrow(() -> new AssertionError("no nextUri: " + response));
    }

    private void cancel(URI nextUri)
            throws IOException, InterruptedException
    {
        ProtocolResponse response = protocol.delete(nextUri, TrinoProtocol.TRINO_USER);
        assertThat(response.status()).as("cancel of the real query: " + response).isEqualTo(204);
    }

    private static void assertNotFoundWithErrorMessage(ProtocolResponse response)
    {
        assertThat(response.status()).as(response.toString()).isEqualTo(404);
        assertThat(response.errorMessage()).as(response.toString()).hasValueSatisfying(message -> assertThat(message).isNotBlank());
    }

    private void assertGatewayStillRunsQueries()
            throws IOException, InterruptedException
    {
        QueryOutcome outcome = protocol.execute(GATEWAY.gateway().proxyUri(), "SELECT 1", Map.of("X-Trino-User", "test"));
        assertThat(outcome.finalState()).as("a good query afterwards: " + outcome).isEqualTo("FINISHED");
        assertThat(outcome.rows()).hasSize(1);
    }
}
