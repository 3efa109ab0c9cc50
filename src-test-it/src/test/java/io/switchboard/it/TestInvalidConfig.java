package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** A gateway given an invalid configuration refuses to start and names the field at fault. */
final class TestInvalidConfig
{
    private static final Duration EXIT_TIMEOUT = Duration.ofSeconds(30);

    @Test
    void clusterUriThatIsNotAUriIsNamed()
            throws IOException, InterruptedException
    {
        GatewayProcess.ExitedGateway exited = GatewayProcess.runExpectingExit("invalid-uri", config("""
                  - id: trino-a
                    uri: not a uri
                    routing-group: adhoc
                """), EXIT_TIMEOUT);

        assertRefused(exited, "clusters[0].uri");
    }

    @Test
    void clusterWithoutIdIsNamed()
            throws IOException, InterruptedException
    {
        GatewayProcess.ExitedGateway exited = GatewayProcess.runExpectingExit("missing-id", config("""
                  - uri: http://127.0.0.1:18080
                    routing-group: adhoc
                """), EXIT_TIMEOUT);

        assertRefused(exited, "clusters[0].id");
    }

    @Test
    void clusterIdOutsideTheAllowedAlphabetIsNamed()
            throws IOException, InterruptedException
    {
        GatewayProcess.ExitedGateway exited = GatewayProcess.runExpectingExit("bad-id", config("""
                  - id: trino-a
                    uri: http://127.0.0.1:18080
                    routing-group: adhoc
                  - id: Trino B
                    uri: http://127.0.0.1:18081
                    routing-group: adhoc
                """), EXIT_TIMEOUT);

        assertRefused(exited, "clusters[1].id");
    }

    private static String config(String clusters)
    {
        return """
                server:
                  listen: 127.0.0.1:0
                admin:
                  listen: 127.0.0.1:0
                routing:
                  default-group: adhoc
                clusters:
                """ + clusters;
    }

    private static void assertRefused(GatewayProcess.ExitedGateway exited, String field)
    {
        assertThat(exited.exitCode()).as(exited.output()).isNotZero();
        assertThat(exited.wroteReadyFile()).as("wrote a ready file").isFalse();
        assertThat(exited.output().lines()).as(exited.output()).anySatisfy(line -> assertThat(line).contains(field));
    }
}
