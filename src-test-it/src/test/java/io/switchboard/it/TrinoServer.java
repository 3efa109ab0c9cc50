package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** One real Trino 476 coordinator, with the tpch and memory catalogs unless told otherwise, run as a process from the server tarball. */
final class TrinoServer
        implements AutoCloseable
{
    private static final List<String> JVM_CONFIG = List.of(
            "-server",
            "-Xmx1G",
            "-XX:+ExitOnOutOfMemoryError",
            "-XX:-OmitStackTraceInFastThrow",
            "-XX:ReservedCodeCacheSize=256M",
            "-Djdk.attach.allowAttachSelf=true",
            "-Dfile.encoding=UTF-8",
            "-XX:+EnableDynamicAgentLoading");

    private final String name;
    private final URI uri;
    private final ChildProcess process;
    private final List<String> catalogs;

    private TrinoServer(String name, URI uri, ChildProcess process, List<String> catalogs)
    {
        this.name = requireNonNull(name, "name is null");
        this.uri = requireNonNull(uri, "uri is null");
        this.process = requireNonNull(process, "process is null");
        this.catalogs = List.copyOf(catalogs);
    }

    /**
     * Writes a fresh etc and data directory under {@code instancesRoot/name} and launches the coordinator on a free
     * port; it is not ready to run queries until {@link #awaitReady} returns.
     */
    static TrinoServer launch(String name, Path instancesRoot, int port)
            throws IOException
    {
        return launch(name, instancesRoot, port, List.of("tpch", "memory"));
    }

    /** As {@link #launch(String, Path, int)} with only the given catalogs, each named after its connector. */
    static TrinoServer launch(String name, Path instancesRoot, int port, List<String> catalogs)
            throws IOException
    {
        Path instance = instancesRoot.resolve(name);
        ChildProcess.deleteRecursively(instance);
        Path etc = instance.resolve("etc");
        Path data = instance.resolve("data");
        Files.createDirectories(etc.resolve("catalog"));
        Files.createDirectories(data);
        Files.write(etc.resolve("node.properties"), List.of(
                "node.environment=test",
                "node.id=" + name,
                "node.data-dir=" + data,
                // without these two Trino binds every interface and advertises the machine's external address
                "node.internal-address=127.0.0.1",
                "node.bind-ip=127.0.0.1"), UTF_8);
        Files.write(etc.resolve("config.properties"), List.of(
                "coordinator=true",
                "node-scheduler.include-coordinator=true",
                "http-server.http.port=" + port,
                "discovery.uri=http://127.0.0.1:" + port,
                "query.max-memory=512MB",
                "query.max-memory-per-node=256MB",
                // Presto clients send X-Presto-* headers; with this Trino accepts both header families
                "protocol.v1.alternate-header-name=Presto"), UTF_8);
        Files.write(etc.resolve("jvm.config"), JVM_CONFIG, UTF_8);
        for (String catalog : catalogs) {
            Files.write(etc.resolve("catalog/" + catalog + ".properties"), List.of("connector.name=" + catalog), UTF_8);
        }

        Path trinoHome = ItEnvironment.trinoHome();
        Path launcher = trinoHome.resolve("bin/launcher");
        if (!Files.isExecutable(launcher)) {
            throw new IllegalStateException("no Trino launcher at " + launcher + ": run the build's generate-test-resources phase");
        }
        Path javaHome = ItEnvironment.trinoJavaHome();
        ProcessBuilder builder = new ProcessBuilder(
                launcher.toString(), "--etc-dir=" + etc, "--data-dir=" + data, "run");
        builder.directory(trinoHome.toFile());
        Map<String, String> environment = builder.environment();
        environment.put("JAVA_HOME", javaHome.toString());
        environment.put("PATH", javaHome.resolve("bin") + ":" + environment.getOrDefault("PATH", "/usr/bin:/bin"));
        ChildProcess process = ChildProcess.start(
                "trino " + name,
                builder,
                instance.resolve("trino.log"),
                instancesRoot.resolve("pids").resolve(name + ".pid"),
                etc.toString());
        return new TrinoServer(name, URI.create("http://127.0.0.1:" + port), process, catalogs);
    }

    /** Binds port 0 to let the kernel pick a free port; Trino binds it a moment later. */
    static int freePort()
            throws IOException
    {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * Waits until real queries succeed: {@code /v1/info} reports the server started seconds before queries stop
     * failing with "No nodes available to run query", and a query that reads a connector's splits can still fail with
     * "nodes is empty" after {@code SELECT 1} already runs.
     */
    void awaitReady(Duration timeout)
            throws InterruptedException
    {
        TrinoProtocol protocol = new TrinoProtocol();
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException("Trino " + name + " exited with code " + process.exitCode().orElseThrow()
                        + " while starting; last lines of " + process.outputFile() + ":\n" + process.outputTail(60));
            }
            try {
                QueryOutcome outcome = protocol.execute(uri, "SELECT 1", TrinoProtocol.TRINO_USER);
                List<JsonNode> rows = outcome.rows();
                if (outcome.finalState().equals("FINISHED") && rows.size() == 1 && rows.get(0).get(0).asInt() == 1) {
                    if (!catalogs.contains("tpch")) {
                        return;
                    }
                    QueryOutcome scan = protocol.execute(uri, "SELECT count(*) FROM tpch.tiny.region", TrinoProtocol.TRINO_USER);
                    List<JsonNode> counted = scan.rows();
                    if (scan.finalState().equals("FINISHED") && counted.size() == 1 && counted.get(0).get(0).asInt() == 5) {
                        return;
                    }
                    outcome = scan;
                }
                lastProblem = outcome.toString();
            }
            catch (IOException e) {
                lastProblem = e.toString();
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("Trino " + name + " at " + uri + " did not run SELECT 1 within " + timeout
                + " (last: " + lastProblem + "); last lines of " + process.outputFile() + ":\n" + process.outputTail(60));
    }

    String name()
    {
        return name;
    }

    URI uri()
    {
        return uri;
    }

    String jdbcUrl()
    {
        return "jdbc:trino://" + uri.getHost() + ":" + uri.getPort() + "?user=test";
    }

    Path logFile()
    {
        return process.outputFile();
    }

    /** Kills the coordinator with SIGKILL and returns once it is gone; only for servers a test started for itself. */
    void kill()
            throws InterruptedException
    {
        process.kill();
    }

    @Override
    public void close()
            throws InterruptedException
    {
        process.stop(Duration.ofSeconds(30));
    }

    @Override
    public String toString()
    {
        return "Trino " + name + " at " + uri;
    }
}
