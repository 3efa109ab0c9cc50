package io.switchboard.routing.consul;

import static java.util.Objects.requireNonNull;

import org.kiwiproject.consul.Consul;

import java.net.URI;
import java.time.Duration;
import java.util.Optional;

/** Builds the Consul HTTP client the gateway's Consul parts share. */
public final class ConsulClients
{
    private ConsulClients() {}

    /**
     * @param address the agent's HTTP address, such as {@code http://127.0.0.1:8500}
     * @param token an ACL token, sent as {@code X-Consul-Token}
     * @param timeout connect and read timeout of requests that do not block; blocking queries get their wait time on
     *     top, as the client adds it
     */
    public static Consul connect(URI address, Optional<String> token, Duration timeout)
    {
        requireNonNull(address, "address is null");
        requireNonNull(token, "token is null");
        Consul.Builder builder = Consul.builder()
                .withUrl(address.toString())
                .withConnectTimeoutMillis(timeout.toMillis())
                .withReadTimeoutMillis(timeout.toMillis())
                .withWriteTimeoutMillis(timeout.toMillis());
        token.ifPresent(builder::withAclToken);
        return builder.build();
    }

    /**
     * The agent address from the config or, failing that, {@code CONSUL_HTTP_ADDR} as Consul's own CLI reads it
     * ({@code 127.0.0.1:8500} or {@code https://host:8501}), or Consul's default.
     */
    public static URI address(Optional<String> configured, Optional<String> environment)
    {
        String text = configured.or(() -> environment).map(String::trim).filter(value -> !value.isEmpty()).orElse("http://127.0.0.1:8500");
        if (!text.contains("://")) {
            text = "http://" + text;
        }
        URI uri = URI.create(text);
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("not an http or https address of a Consul agent: '" + text + "'");
        }
        return uri;
    }
}
