package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.time.Duration;
import java.util.List;

/**
 * The gateway's own Consul service, whose HTTP check asks {@code /v1/gateway/health} on the admin port.
 *
 * @param id the service instance ID; default {@code <service>-<address>-<proxy port>}
 * @param address the address clients reach the gateway on; default the host of {@code server.public-uri}, else the
 *     proxy's listen address, else (for a wildcard listen address) the machine's host name
 * @param deregisterCriticalAfter how long a critical check may last before Consul drops the entry itself
 */
public record RegisterConfig(Boolean enabled, String service, String id, String address, List<String> tags, Duration checkInterval, Duration checkTimeout,
        Duration deregisterCriticalAfter)
{
    public RegisterConfig
    {
        enabled = enabled == null || enabled;
        service = service == null ? "switchboard" : service;
        tags = tags == null ? List.of() : List.copyOf(tags);
        checkInterval = checkInterval == null ? Duration.ofSeconds(10) : checkInterval;
        checkTimeout = checkTimeout == null ? Duration.ofSeconds(5) : checkTimeout;
        deregisterCriticalAfter = deregisterCriticalAfter == null ? Duration.ofHours(1) : deregisterCriticalAfter;
        require(!service.isBlank(), "service: must not be empty");
        require(id == null || !id.isBlank(), "id: must not be empty");
        require(checkInterval.toSeconds() >= 1, "check-interval: must be at least 1s");
        require(checkTimeout.toSeconds() >= 1, "check-timeout: must be at least 1s");
        require(deregisterCriticalAfter.toMinutes() >= 1, "deregister-critical-after: must be at least 1m (Consul's minimum)");
    }

    static RegisterConfig defaults()
    {
        return new RegisterConfig(null, null, null, null, null, null, null, null);
    }
}
