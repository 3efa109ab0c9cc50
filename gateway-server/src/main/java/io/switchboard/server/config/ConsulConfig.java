package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;

/**
 * The Consul agent the gateway talks to.
 *
 * @param address the agent's HTTP address; without it {@code CONSUL_HTTP_ADDR}, then {@code http://127.0.0.1:8500}
 * @param token an ACL token; without it {@code CONSUL_HTTP_TOKEN}
 * @param service the Consul service whose instances are the clusters (with {@code discovery.source: consul})
 * @param tag only instances carrying this tag are clusters
 * @param maxWait the longest a blocking query waits for a change
 * @param retryMin the first pause after Consul failed; it doubles with each failure in a row up to {@code retryMax}
 * @param departureGrace how long an instance that left the catalog stays known, so its running queries finish
 * @param sharedState keep admin states in Consul KV, shared by every replica, instead of only in the local state file
 * @param stateKeyPrefix the KV prefix of the admin states: one key per cluster
 * @param register the gateway's own entry in Consul
 * @param cacheFile where the last list of instances Consul gave is kept, so that a start while Consul is down routes
 *     on it; none by default
 */
public record ConsulConfig(
        String address,
        String token,
        String datacenter,
        String service,
        String tag,
        Duration maxWait,
        Duration retryMin,
        Duration retryMax,
        Duration departureGrace,
        Boolean sharedState,
        String stateKeyPrefix,
        RegisterConfig register,
        java.nio.file.Path cacheFile)
{
    public ConsulConfig
    {
        maxWait = maxWait == null ? Duration.ofMinutes(1) : maxWait;
        retryMin = retryMin == null ? Duration.ofSeconds(1) : retryMin;
        retryMax = retryMax == null ? Duration.ofSeconds(30) : retryMax;
        departureGrace = departureGrace == null ? Duration.ofMinutes(5) : departureGrace;
        sharedState = sharedState == null || sharedState;
        stateKeyPrefix = stateKeyPrefix == null ? "switchboard/cluster-state/" : stateKeyPrefix;
        register = register == null ? RegisterConfig.defaults() : register;
        if (address != null) {
            try {
                io.switchboard.routing.consul.ConsulClients.address(java.util.Optional.of(address), java.util.Optional.empty());
            }
            catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("address: " + e.getMessage());
            }
        }
        require(service == null || !service.isBlank(), "service: must not be empty");
        require(maxWait.toSeconds() >= 1 && maxWait.compareTo(Duration.ofMinutes(10)) <= 0, "max-wait: must be between 1s and 10m (Consul's limit)");
        require(retryMin.toMillis() >= 10, "retry-min: must be at least 10ms");
        require(retryMax.compareTo(retryMin) >= 0, "retry-max: must be at least retry-min");
        require(!departureGrace.isNegative(), "departure-grace: must not be negative");
        require(!stateKeyPrefix.isEmpty() && !stateKeyPrefix.startsWith("/") && stateKeyPrefix.endsWith("/"),
                "state-key-prefix: must end with '/' and not start with one, got '" + stateKeyPrefix + "'");
    }
}
