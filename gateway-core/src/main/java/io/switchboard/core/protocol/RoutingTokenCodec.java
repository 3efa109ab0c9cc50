package io.switchboard.core.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import io.switchboard.core.ClusterId;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Encodes the cluster that owns a query into a compact, authenticated token carried in every URI the gateway hands
 * out, so that any gateway process with the same secret routes a follow-up without shared state.
 *
 * <p>A token reads {@code <cluster-id>~<mac>}: the cluster id stays readable in access logs, and the truncated
 * HMAC-SHA256 of the id makes forged or truncated tokens fail to decode.
 */
public final class RoutingTokenCodec
{
    public static final char SEPARATOR = '~';
    private static final String ALGORITHM = "HmacSHA256";
    private static final int MAC_BYTES = 9;

    private final SecretKeySpec key;
    private final Map<ClusterId, String> tokens = new ConcurrentHashMap<>();
    // the reverse of tokens: a token this process handed out decodes by one lookup; the tokens are no secret, every
    // client of a cluster sees its own
    private final Map<String, Optional<ClusterId>> clusters = new ConcurrentHashMap<>();

    public RoutingTokenCodec(byte[] secret)
    {
        requireNonNull(secret, "secret is null");
        if (secret.length == 0) {
            throw new IllegalArgumentException("secret is empty");
        }
        this.key = new SecretKeySpec(secret.clone(), ALGORITHM);
    }

    public String encode(ClusterId cluster)
    {
        // the set of cluster ids is small and fixed by config, so caching every encoding is bounded
        String token = tokens.get(cluster);
        if (token == null) {
            token = tokens.computeIfAbsent(cluster, id -> id.value() + SEPARATOR + mac(id.value()));
            clusters.putIfAbsent(token, Optional.of(cluster));
        }
        return token;
    }

    public Optional<ClusterId> decode(CharSequence token)
    {
        String text = token.toString();
        Optional<ClusterId> known = clusters.get(text);
        if (known != null) {
            return known;
        }
        int separator = text.indexOf(SEPARATOR);
        if (separator <= 0) {
            return Optional.empty();
        }
        ClusterId cluster;
        try {
            cluster = ClusterId.of(text.substring(0, separator));
        }
        catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String expected = tokens.get(cluster);
        if (expected == null) {
            // a token for a cluster this process never encoded: verify without caching, so forged ids fill nothing
            expected = cluster.value() + SEPARATOR + mac(cluster.value());
        }
        if (!MessageDigest.isEqual(expected.getBytes(UTF_8), text.getBytes(UTF_8))) {
            return Optional.empty();
        }
        // only a genuine token gets here, made with the secret for a cluster of the configuration: bounded
        Optional<ClusterId> decoded = Optional.of(cluster);
        clusters.putIfAbsent(text, decoded);
        return decoded;
    }

    private String mac(String value)
    {
        try {
            Mac mac = Mac.getInstance(ALGORITHM);
            mac.init(key);
            byte[] digest = mac.doFinal(value.getBytes(UTF_8));
            byte[] truncated = new byte[MAC_BYTES];
            System.arraycopy(digest, 0, truncated, 0, MAC_BYTES);
            return Base64.getUrlEncoder().withoutPadding().encodeToString(truncated);
        }
        catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 is unavailable", e);
        }
    }
}
