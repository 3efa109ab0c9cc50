package io.switchboard.it;

import static java.util.Objects.requireNonNull;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** The Trino coordinators behind the gateway, started together because each takes twenty-odd seconds. */
final class TrinoServers
        implements AutoCloseable
{
    private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(120);

    private final List<TrinoServer> servers;

    private TrinoServers(List<TrinoServer> servers)
    {
        this.servers = List.copyOf(requireNonNull(servers, "servers is null"));
    }

    /** Launches all servers at once and returns when each one runs queries, or stops them all and fails. */
    static TrinoServers start(Path instancesRoot, List<String> names)
            throws IOException, InterruptedException
    {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < names.size(); i++) {
            ports.add(TrinoServer.freePort());
        }
        return start(instancesRoot, names, ports);
    }

    /** Launches the servers on the given ports, one per name. */
    static TrinoServers start(Path instancesRoot, List<String> names, List<Integer> ports)
            throws IOException, InterruptedException
    {
        List<TrinoServer> started = new ArrayList<>();
        try {
            for (int i = 0; i < names.size(); i++) {
                started.add(TrinoServer.launch(names.get(i), instancesRoot, ports.get(i)));
            }
            for (TrinoServer server : started) {
                server.awaitReady(STARTUP_TIMEOUT);
            }
            return new TrinoServers(started);
        }
        catch (IOException | InterruptedException | RuntimeException e) {
            for (TrinoServer server : started) {
                server.close();
            }
            throw e;
        }
    }

    List<TrinoServer> all()
    {
        return servers;
    }

    TrinoServer first()
    {
        return servers.get(0);
    }

    TrinoServer second()
    {
        return servers.get(1);
    }

    @Override
    public void close()
            throws InterruptedException
    {
        for (TrinoServer server : servers) {
            server.close();
        }
    }

    @Override
    public String toString()
    {
        return servers.toString();
    }
}
