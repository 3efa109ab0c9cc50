package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.util.List;

/**
 * Where the clusters come from.
 *
 * @param source {@code static}: the {@code clusters} list of this file (the default); {@code consul}: the instances of
 *     a Consul service, watched
 * @param consul the Consul agent and what the gateway does with it: discovery (with {@code source: consul}), admin
 *     state shared by every replica, and the gateway's own registration
 */
public record DiscoveryConfig(String source, ConsulConfig consul)
{
    static final List<String> SOURCES = List.of("static", "consul");

    public DiscoveryConfig
    {
        source = source == null ? "static" : source;
        require(SOURCES.contains(source), "source: must be one of " + SOURCES + ", got '" + source + "'");
        require(!source.equals("consul") || consul != null, "consul: is required when source is consul: name at least the service the clusters register under");
        require(!source.equals("consul") || consul.service() != null, "consul.service: is required when source is consul: the Consul service the clusters register under");
    }

    static DiscoveryConfig defaults()
    {
        return new DiscoveryConfig(null, null);
    }

    /** Clusters come from Consul rather than from the {@code clusters} list. */
    public boolean fromConsul()
    {
        return source.equals("consul");
    }
}
