package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A gateway whose only cluster is down fails queries at once, naming the routing group, and keeps serving. */
// a gateway answering 503 here would make the clients retry for minutes: cut that short and report it as a failure
@Timeout(60)
final class TestUnreachableCluster
{
    private static final String GROUP = "lonely";

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overUnreachableClusters(trino ->
            GatewayConfig.onFreePorts(GROUP, List.of(new GatewayConfig.Cluster("lonely-1", deadAddress(), GROUP))));

    @Test
    void jdbcQueryFailsNamingTheRoutingGroup()
            throws IOException, InterruptedException
    {
        assertThatThrownBy(() -> {
            try (Connection connection = DriverManager.getConnection(GATEWAY.gateway().jdbcUrl());
                    Statement statement = connection.createStatement();
                    ResultSet resultSet = statement.executeQuery("SELECT 1")) {
                resultSet.next();
            }
        })
                .isInstanceOf(SQLException.class)
                .hasMessageContaining(GROUP);
        assertGatewayStillAnswers();
    }

    @Test
    void cliQueryFailsNamingTheRoutingGroup()
            throws IOException, InterruptedException
    {
        TrinoCli.Result result = TrinoCli.execute(GATEWAY.gateway().proxyUri(), "SELECT 1");

        assertThat(result.exitCode()).as(result.allOutput()).isNotZero();
        assertThat(result.allOutput()).contains(GROUP);
        assertGatewayStillAnswers();
    }

    @Test
    void rawQueryFailsWithATrinoErrorNamingTheRoutingGroup()
            throws IOException, InterruptedException
    {
        QueryOutcome outcome = protocol().execute(GATEWAY.gateway().proxyUri(), "SELECT 1", TrinoProtocol.TRINO_USER);

        assertThat(outcome.last().status()).as(outcome.toString()).isNotIn(502, 503, 504);
        assertThat(outcome.errorMessage()).as(outcome.toString()).hasValueSatisfying(message -> assertThat(message).contains(GROUP));
        assertGatewayStillAnswers();
    }

    private static TrinoProtocol protocol()
    {
        return new TrinoProtocol();
    }

    /** The gateway has no cluster to serve queries with, but its admin API still answers and tells why. */
    private static void assertGatewayStillAnswers()
            throws IOException, InterruptedException
    {
        ProtocolResponse health = protocol().get(GATEWAY.gateway().adminUri().resolve("/v1/gateway/health"), Map.of());
        assertThat(health.status()).as(health.toString()).isEqualTo(200);
        assertThat(GATEWAY.gateway().clusters()).allSatisfy(cluster -> assertThat(cluster.path("healthy").asBoolean()).isFalse());
    }

    /** A loopback port that was free a moment ago: nothing listens there, so connections are refused. */
    private static URI deadAddress()
    {
        try {
            return URI.create("http://127.0.0.1:" + TrinoServer.freePort());
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
