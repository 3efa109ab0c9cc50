package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import io.netty.handler.ssl.SslContextBuilder;

import java.nio.file.Files;
import java.nio.file.Path;
import javax.net.ssl.SSLException;

/**
 * TLS on the client port.
 *
 * @param certificate PEM file with the server certificate, followed by any intermediate certificates
 * @param key PEM file with the certificate's private key, unencrypted PKCS#8 ({@code BEGIN PRIVATE KEY})
 */
public record ServerTlsConfig(Path certificate, Path key)
{
    public ServerTlsConfig
    {
        require(certificate != null, "certificate: a PEM certificate file is required");
        require(key != null, "key: a PEM private key file is required");
        require(Files.isReadable(certificate), "certificate: cannot read " + certificate);
        require(Files.isReadable(key), "key: cannot read " + key);
        try {
            // read both now, so that a wrong file stops start-up naming this field rather than failing the first client
            SslContextBuilder.forServer(certificate.toFile(), key.toFile()).build();
        }
        catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("key: cannot use " + key + " with certificate " + certificate
                    + " (a PEM certificate and an unencrypted PKCS#8 PEM key are needed): " + e.getMessage(), e);
        }
    }
}
