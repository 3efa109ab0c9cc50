package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The Trino JDBC driver with {@code SSL=true} and a trust store, through the gateway's TLS client port to real Trino
 * behind it over plain HTTP. The certificate is self-signed, made by keytool for 127.0.0.1.
 */
final class TestJdbcOverTls
{
    private static final TestCertificates CERTIFICATES = certificates();

    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.over("tls",
            trino -> GatewayConfig.adhocOver(trino).withServerTls(CERTIFICATES.certificate(), CERTIFICATES.key()));

    @Test
    void aJdbcQueryRunsOverTlsAndEveryUriItFollowedWasHttps()
            throws SQLException
    {
        assertThat(GATEWAY.gateway().proxyUri().getScheme()).isEqualTo("https");

        try (Connection connection = DriverManager.getConnection(tlsUrl(true));
                Statement statement = connection.createStatement();
                ResultSet rows = statement.executeQuery("SELECT n.name, r.name FROM tpch.tiny.nation n JOIN tpch.tiny.region r ON n.regionkey = r.regionkey")) {
            int count = 0;
            while (rows.next()) {
                count++;
            }

            assertThat(count).isEqualTo(25);
        }
    }

    @Test
    void aClientWithoutTheTrustStoreIsRefused()
    {
        assertThatThrownBy(() -> {
            try (Connection connection = DriverManager.getConnection(tlsUrl(false));
                    Statement statement = connection.createStatement()) {
                statement.executeQuery("SELECT 1").close();
            }
        }).isInstanceOf(SQLException.class);
    }

    private static String tlsUrl(boolean withTrustStore)
    {
        String url = "jdbc:trino://127.0.0.1:" + GATEWAY.gateway().proxyUri().getPort() + "?user=test&SSL=true";
        if (withTrustStore) {
            url += "&SSLTrustStorePath=" + CERTIFICATES.trustStore() + "&SSLTrustStorePassword=" + CERTIFICATES.password() + "&SSLTrustStoreType=PKCS12";
        }
        return url;
    }

    private static TestCertificates certificates()
    {
        try {
            Path directory = ItEnvironment.workDirectory().resolve("certificates");
            Files.createDirectories(directory);
            return TestCertificates.create(directory);
        }
        catch (Exception e) {
            throw new IllegalStateException("cannot make a self-signed certificate with keytool", e);
        }
    }
}
