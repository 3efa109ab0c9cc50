package io.switchboard.server.consul;

import static java.util.Objects.requireNonNull;

import io.switchboard.core.RoutingGroup;
import io.switchboard.core.spi.ClusterDiscovery;
import io.switchboard.core.spi.ClusterStateStore;
import io.switchboard.core.spi.SourceStatus;
import io.switchboard.routing.consul.BlockingQueryWatch;
import io.switchboard.routing.consul.ConsulClients;
import io.switchboard.routing.consul.ConsulClusterStateStore;
import io.switchboard.routing.consul.ConsulDiscovery;
import io.switchboard.routing.consul.ConsulRegistration;
import io.switchboard.server.config.ConsulConfig;
import io.switchboard.server.config.RegisterConfig;
import org.kiwiproject.consul.Consul;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The gateway's Consul parts, built from the {@code discovery.consul} section on one shared client: discovery, the
 * shared admin-state store and the gateway's own registration. {@link #close()} deregisters first, so that Consul
 * stops handing out a replica before it stops serving.
 */
public final class ConsulParts
        implements AutoCloseable
{
    static final String ADDRESS_ENVIRONMENT = "CONSUL_HTTP_ADDR";
    static final String TOKEN_ENVIRONMENT = "CONSUL_HTTP_TOKEN";

    private final ConsulConfig config;
    private final Consul consul;
    private final URI address;
    private final BlockingQueryWatch.Settings watch;
    private final List<AutoCloseable> parts = new ArrayList<>();
    private ConsulRegistration registration;

    private ConsulParts(ConsulConfig config, Consul consul, URI address)
    {
        this.config = config;
        this.consul = consul;
        this.address = address;
        this.watch = new BlockingQueryWatch.Settings(config.maxWait(), config.retryMin(), config.retryMax());
    }

    /** A client of the configured agent; nothing is asked of Consul yet, so an agent that is down does not stop a start. */
    public static ConsulParts connect(ConsulConfig config, Map<String, String> environment)
    {
        requireNonNull(config, "config is null");
        URI address = ConsulClients.address(Optional.ofNullable(config.address()), Optional.ofNullable(environment.get(ADDRESS_ENVIRONMENT)));
        Optional<String> token = Optional.ofNullable(config.token()).or(() -> Optional.ofNullable(environment.get(TOKEN_ENVIRONMENT))).filter(value -> !value.isBlank());
        return new ConsulParts(config, ConsulClients.connect(address, token, Duration.ofSeconds(10)), address);
    }

    public URI address()
    {
        return address;
    }

    public synchronized ClusterDiscovery discovery(RoutingGroup defaultGroup, Clock clock)
    {
        ConsulDiscovery discovery = new ConsulDiscovery(consul, new ConsulDiscovery.Settings(config.service(), Optional.ofNullable(config.tag()),
                Optional.ofNullable(config.datacenter()), defaultGroup, config.departureGrace(), watch, Optional.ofNullable(config.cacheFile())), clock);
        parts.add(discovery);
        return discovery;
    }

    /** The store every replica shares; {@code localCopy} keeps what it last saw for a start while Consul is down. */
    public synchronized ClusterStateStore stateStore(ClusterStateStore localCopy, Clock clock)
    {
        ConsulClusterStateStore store = new ConsulClusterStateStore(consul, new ConsulClusterStateStore.Settings(config.stateKeyPrefix(),
                Optional.ofNullable(config.datacenter()), watch), localCopy, clock);
        parts.add(store);
        return store;
    }

    /** Registers the gateway, once it listens, unless {@code register.enabled} is false. */
    public synchronized void register(InetSocketAddress proxy, InetSocketAddress admin, Optional<URI> publicUri, Clock clock)
    {
        RegisterConfig settings = config.register();
        if (!settings.enabled()) {
            return;
        }
        String host = settings.address() != null ? settings.address() : address(proxy, publicUri);
        int port = publicUri.filter(uri -> settings.address() == null && uri.getPort() > 0).map(URI::getPort).orElse(proxy.getPort());
        String adminHost = admin.getAddress().isAnyLocalAddress() ? host : admin.getAddress().getHostAddress();
        URI check = URI.create("http://" + bracketed(adminHost) + ":" + admin.getPort() + "/v1/gateway/health");
        String id = settings.id() != null ? settings.id() : settings.service() + "-" + host.replace(':', '_') + "-" + port;
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("admin", "http://" + bracketed(adminHost) + ":" + admin.getPort());
        publicUri.ifPresent(uri -> meta.put("public-uri", uri.toString()));
        registration = new ConsulRegistration(consul, new ConsulRegistration.Settings(settings.service(), id, host, port, settings.tags(), meta, check,
                settings.checkInterval(), settings.checkTimeout(), settings.deregisterCriticalAfter(), config.retryMin(), config.retryMax()), clock);
        registration.start();
    }

    public synchronized Optional<SourceStatus> registrationStatus()
    {
        return Optional.ofNullable(registration).map(ConsulRegistration::status);
    }

    private static String address(InetSocketAddress proxy, Optional<URI> publicUri)
    {
        if (publicUri.isPresent() && publicUri.get().getHost() != null) {
            return publicUri.get().getHost();
        }
        if (!proxy.getAddress().isAnyLocalAddress()) {
            return proxy.getAddress().getHostAddress();
        }
        try {
            return InetAddress.getLocalHost().getHostName();
        }
        catch (UnknownHostException e) {
            return proxy.getAddress().getHostAddress();
        }
    }

    private static String bracketed(String host)
    {
        return host.contains(":") && !host.startsWith("[") ? "[" + host + "]" : host;
    }

    @Override
    public synchronized void close()
    {
        if (registration != null) {
            registration.close();
        }
        for (AutoCloseable part : parts) {
            try {
                part.close();
            }
            catch (Exception e) {
                // closing a watch only stops a thread
            }
        }
        consul.destroy();
    }
}
