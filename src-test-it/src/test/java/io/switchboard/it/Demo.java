package io.switchboard.it;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

/** Runs two Trino coordinators and the gateway in front of them until Ctrl-C: Switchboard at a glance. */
final class Demo
{
    private Demo() {}

    public static void main(String[] args)
            throws Exception
    {
        int proxyPort = Integer.getInteger("demo.proxy.port", 8080);
        int adminPort = Integer.getInteger("demo.admin.port", 8081);
        requireFree(proxyPort, "SWITCHBOARD_DEMO_PORT");
        requireFree(adminPort, "SWITCHBOARD_DEMO_ADMIN_PORT");
        // the ports of config/gateway.yaml, the gateway's embedded default, so that bin/switchboard alone finds them
        List<Integer> trinoPorts = List.of(Integer.getInteger("demo.trino.port.a", 18080), Integer.getInteger("demo.trino.port.b", 18081));
        requireFree(trinoPorts.get(0), "SWITCHBOARD_DEMO_TRINO_PORT_A");
        requireFree(trinoPorts.get(1), "SWITCHBOARD_DEMO_TRINO_PORT_B");

        // every child process registers its own shutdown hook, so Ctrl-C at any point below stops what has started
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.println("\nStopping the gateway and both Trino servers..."), "demo goodbye"));

        Path instances = ItEnvironment.workDirectory().resolve("demo").resolve("trino-instances");
        System.out.println("Starting two Trino coordinators (half a minute or so; logs in " + instances + ")...");
        TrinoServers trino = TrinoServers.start(instances, List.of("trino-a", "trino-b"), trinoPorts);
        for (TrinoServer server : trino.all()) {
            System.out.println("  " + server.name() + ": " + server.uri());
        }

        System.out.println("Starting the gateway...");
        GatewayProcess gateway = GatewayProcess.start("demo", GatewayConfig.adhocOver(trino)
                .withListeners("127.0.0.1:" + proxyPort, "127.0.0.1:" + adminPort));
        gateway.awaitClusterHealth(Map.of("trino-a", true, "trino-b", true));
        URI proxy = gateway.proxyUri();

        String sql = "SELECT r.name AS region, count(*) AS nations FROM tpch.tiny.nation n JOIN tpch.tiny.region r ON n.regionkey = r.regionkey GROUP BY r.name ORDER BY r.name";
        System.out.println("\nA query through the gateway with the Trino CLI:\n  " + sql);
        TrinoCli.Result result = TrinoCli.execute(proxy, sql, "ALIGNED");
        System.out.println(result.stdout().isBlank() ? result.allOutput() : result.stdout());

        System.out.println("""
                Switchboard is running. Connect with:
                  Trino CLI : java -jar %s --server %s --user demo
                  JDBC      : jdbc:trino://%s:%d?user=demo
                  Admin API : curl -H 'Authorization: Bearer %s' %s/v1/gateway/clusters
                Logs: gateway %s; Trino %s
                Press Ctrl-C to stop everything.""".formatted(
                ItEnvironment.trinoCliJar(), proxy, proxy.getHost(), proxy.getPort(), gateway.config().adminToken().orElseThrow(), gateway.adminUri(),
                gateway.logFile(), instances.resolve("*/trino.log")));
        new CountDownLatch(1).await();
    }

    /** The demo's ports are fixed so that its instructions can be copied; say so plainly when one is taken. */
    private static void requireFree(int port, String variable)
    {
        try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
        }
        catch (IOException e) {
            System.err.println("switchboard-demo: port " + port + " is in use; choose another with " + variable + "=PORT bin/switchboard-demo");
            System.exit(2);
        }
    }
}
