package io.switchboard.server;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.switchboard.server.config.BackendTlsConfig;
import io.switchboard.server.config.ServerTlsConfig;

import java.security.GeneralSecurityException;
import java.util.Optional;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;

/** Builds the TLS contexts of both sides from the config: the client port's certificate, and the clusters' trust store. */
public final class TlsContexts
{
    private TlsContexts() {}

    /** The client port's context, from a PEM certificate chain and an unencrypted PKCS#8 PEM key. */
    public static SslContext server(ServerTlsConfig tls)
    {
        try {
            return SslContextBuilder.forServer(tls.certificate().toFile(), tls.key().toFile()).build();
        }
        catch (SSLException | IllegalArgumentException e) {
            throw new IllegalArgumentException("server.tls: cannot use certificate " + tls.certificate() + " with key " + tls.key() + ": " + e.getMessage(), e);
        }
    }

    /** The proxy's context towards {@code https} clusters: the configured trust store, or the JDK's, and host name checks. */
    public static SslContext backend(Optional<BackendTlsConfig> tls)
    {
        try {
            SslContextBuilder builder = SslContextBuilder.forClient().endpointIdentificationAlgorithm("HTTPS");
            if (tls.isPresent()) {
                builder.trustManager(trustManagers(tls.get()));
            }
            return builder.build();
        }
        catch (SSLException e) {
            throw new IllegalArgumentException("backend.tls: " + e.getMessage(), e);
        }
    }

    /** The same trust for the JDK HTTP client that health-checks, probes and locates queries. */
    public static SSLContext backendJdk(Optional<BackendTlsConfig> tls)
    {
        try {
            if (tls.isEmpty()) {
                return SSLContext.getDefault();
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(null, trustManagers(tls.get()).getTrustManagers(), null);
            return context;
        }
        catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("backend.tls: " + e.getMessage(), e);
        }
    }

    private static TrustManagerFactory trustManagers(BackendTlsConfig tls)
    {
        try {
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(tls.load());
            return factory;
        }
        catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("backend.tls.trust-store: " + e.getMessage(), e);
        }
    }
}
