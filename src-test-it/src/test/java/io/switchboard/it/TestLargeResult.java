package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A result far larger than the gateway's 128 MB heap could buffer arrives complete and unchanged. */
final class TestLargeResult
{
    private static final int ROWS = 150_000;
    // ORDER BY makes the rows the same on every run and every cluster, so the two reads can be compared
    private static final String QUERY = "SELECT * FROM tpch.sf1.orders ORDER BY orderkey LIMIT " + ROWS;

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    @Test
    void hundredFiftyThousandRowsArriveAsTheyDoFromTrinoDirectly()
            throws SQLException, NoSuchAlgorithmException
    {
        ResultDigest throughGateway = read(GATEWAY.gateway().jdbcUrl());
        ResultDigest direct = read(GATEWAY.trino().first().jdbcUrl());

        assertThat(throughGateway.rows()).isEqualTo(ROWS);
        assertThat(throughGateway).isEqualTo(direct);
    }

    /** Row count, sum of the keys, and a hash over every value in order: any lost, repeated or altered row shows. */
    private record ResultDigest(long rows, long orderKeySum, String sha256) {}

    private static ResultDigest read(String jdbcUrl)
            throws SQLException, NoSuchAlgorithmException
    {
        MessageDigest digest = MessageDigest.getInstance("SHA-256");
        long rows = 0;
        long orderKeySum = 0;
        try (Connection connection = DriverManager.getConnection(jdbcUrl);
                Statement statement = connection.createStatement();
                ResultSet resultSet = statement.executeQuery(QUERY)) {
            int columns = resultSet.getMetaData().getColumnCount();
            while (resultSet.next()) {
                rows++;
                orderKeySum += resultSet.getLong("orderkey");
                for (int column = 1; column <= columns; column++) {
                    digest.update(String.valueOf(resultSet.getString(column)).getBytes(UTF_8));
                    digest.update((byte) 0);
                }
            }
        }
        return new ResultDigest(rows, orderKeySum, HexFormat.of().formatHex(digest.digest()));
    }
}
