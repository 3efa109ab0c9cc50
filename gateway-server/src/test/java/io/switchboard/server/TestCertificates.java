package io.switchboard.server;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.Key;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A self-signed certificate for 127.0.0.1 and localhost, made with the JDK's keytool: as PEM files (certificate and
 * PKCS#8 key) for the gateway, a key store for a TLS server, and a trust store for clients.
 */
public record TestCertificates(Path certificate, Path key, Path keyStore, Path trustStore, String password)
{
    public static TestCertificates create(Path directory)
            throws IOException, InterruptedException, GeneralSecurityException
    {
        String password = "changeit-test";
        Path keyStore = directory.resolve("server.p12");
        Path trustStore = directory.resolve("trust.p12");
        Path certificate = directory.resolve("server.crt.pem");
        Path key = directory.resolve("server.key.pem");
        Files.deleteIfExists(keyStore);
        Files.deleteIfExists(trustStore);
        keytool("-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2", "-dname", "CN=localhost",
                "-ext", "san=ip:127.0.0.1,dns:localhost", "-storetype", "PKCS12", "-keystore", keyStore.toString(), "-storepass", password, "-keypass", password);
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keyStore)) {
            store.load(in, password.toCharArray());
        }
        Certificate cert = store.getCertificate("server");
        Key privateKey = store.getKey("server", password.toCharArray());
        Files.writeString(certificate, pem("CERTIFICATE", cert.getEncoded()), US_ASCII);
        Files.writeString(key, pem("PRIVATE KEY", privateKey.getEncoded()), US_ASCII);
        keytool("-importcert", "-noprompt", "-alias", "server", "-file", certificate.toString(), "-storetype", "PKCS12", "-keystore", trustStore.toString(),
                "-storepass", password);
        return new TestCertificates(certificate, key, keyStore, trustStore, password);
    }

    /** A client context that trusts only this certificate. */
    public SSLContext clientContext()
            throws IOException, GeneralSecurityException
    {
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(load(trustStore));
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }

    /** A server context presenting this certificate. */
    public SSLContext serverContext()
            throws IOException, GeneralSecurityException
    {
        KeyManagerFactory keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(load(keyStore), password.toCharArray());
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(keys.getKeyManagers(), null, null);
        return context;
    }

    private KeyStore load(Path file)
            throws IOException, GeneralSecurityException
    {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(file)) {
            store.load(in, password.toCharArray());
        }
        return store;
    }

    private static String pem(String type, byte[] der)
    {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(US_ASCII)).encodeToString(der) + "\n-----END " + type + "-----\n";
    }

    private static void keytool(String... arguments)
            throws IOException, InterruptedException
    {
        List<String> command = new java.util.ArrayList<>();
        command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
        command.addAll(List.of(arguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), US_ASCII);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException("keytool " + String.join(" ", arguments) + " failed: " + output);
        }
    }
}
