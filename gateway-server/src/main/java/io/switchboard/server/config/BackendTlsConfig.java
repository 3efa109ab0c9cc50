package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Locale;
import java.util.Optional;

/**
 * How the gateway trusts {@code https} clusters: the proxy, health checks and load probes all use this trust store.
 *
 * @param trustStore key store file with the certificates (or their CA) to trust
 * @param trustStorePassword its password, if it has one
 * @param trustStoreType {@code PKCS12} (default) or {@code JKS}
 */
public record BackendTlsConfig(Path trustStore, String trustStorePassword, String trustStoreType)
{
    public BackendTlsConfig
    {
        require(trustStore != null, "trust-store: a trust store file is required");
        require(Files.isReadable(trustStore), "trust-store: cannot read " + trustStore);
        trustStoreType = trustStoreType == null ? "PKCS12" : trustStoreType.toUpperCase(Locale.ROOT);
        require(trustStoreType.equals("PKCS12") || trustStoreType.equals("JKS"), "trust-store-type: must be PKCS12 or JKS");
        load(trustStore, trustStorePassword, trustStoreType);
    }

    /** The trust store's certificates; read at start-up too, so that a wrong file or password stops it naming this field. */
    public KeyStore load()
    {
        return load(trustStore, trustStorePassword, trustStoreType);
    }

    private static KeyStore load(Path file, String password, String type)
    {
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance(type);
            store.load(in, password == null ? null : password.toCharArray());
            return store;
        }
        catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("trust-store: cannot read " + file + " as " + type + ": " + e.getMessage(), e);
        }
    }

    public Optional<String> password()
    {
        return Optional.ofNullable(trustStorePassword);
    }

    /** Keeps the password out of logs and error messages. */
    @Override
    public String toString()
    {
        return "BackendTlsConfig[trustStore=" + trustStore + ", trustStoreType=" + trustStoreType + "]";
    }
}
