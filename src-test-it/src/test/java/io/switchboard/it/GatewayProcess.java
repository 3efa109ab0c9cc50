package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.jar.Attributes;
import java.util.jar.JarFile;
import java.util.jar.Manifest;

/** The gateway run from its shaded jar as a separate process, the way an operator runs it. */
final class GatewayProcess
        implements AutoCloseable
{
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration HEALTH_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration STOP_GRACE = Duration.ofSeconds(20);
    private static final Duration JAR_STABLE_TIMEOUT = Duration.ofSeconds(120);
    // Netty's leak detector starts each report with this; the gateway runs it at the paranoid level
    private static final String LEAK_MARKER = "LEAK:";

    private final String name;
    private final Path directory;
    private final Path jar;
    private final TrinoProtocol protocol = new TrinoProtocol();
    private final List<String> problems = new ArrayList<>();
    private GatewayConfig config;
    private ChildProcess process;
    // whether this object started the current process and has not stopped it yet; it may have died by itself meanwhile
    private boolean running;
    private URI proxyUri;
    private URI adminUri;
    private int starts;

    private GatewayProcess(String name, Path directory, Path jar)
    {
        this.name = requireNonNull(name, "name is null");
        this.directory = requireNonNull(directory, "directory is null");
        this.jar = requireNonNull(jar, "jar is null");
    }

    /** Starts a gateway with {@code config} and returns once its ready file says where it listens. */
    static GatewayProcess start(String name, GatewayConfig config)
            throws IOException, InterruptedException
    {
        Path directory = prepareDirectory(name);
        GatewayProcess gateway = new GatewayProcess(name, directory, snapshotJar(directory));
        // the gateway's default state file is relative to its working directory: keep it next to the config instead,
        // where the next start of this gateway deletes it and a restart finds it
        gateway.launch(config.stateFile().isPresent() ? config : config.withStateFile(directory.resolve("cluster-states.json")));
        return gateway;
    }

    /**
     * Runs a gateway that is expected to refuse its configuration: returns its exit code and output, or fails if it
     * is still running after {@code timeout} (it is then stopped).
     */
    static ExitedGateway runExpectingExit(String name, String configYaml, Duration timeout)
            throws IOException, InterruptedException
    {
        Path directory = prepareDirectory(name);
        Path jar = snapshotJar(directory);
        Path configFile = directory.resolve("gateway.yaml");
        Files.writeString(configFile, configYaml, UTF_8);
        Path readyFile = directory.resolve("ready.json");
        ChildProcess process = ChildProcess.start("gateway " + name, command(jar, configFile, readyFile),
                directory.resolve("gateway.log"), pidFile(name), jar.toString());
        if (!process.awaitExit(timeout)) {
            process.stop(STOP_GRACE);
            throw new AssertionError("gateway " + name + " still runs " + timeout.toSeconds() + " s after start with this config:\n"
                    + configYaml + "\noutput:\n" + process.outputTail(40));
        }
        return new ExitedGateway(process.exitCode().orElseThrow(), process.output(), Files.exists(readyFile));
    }

    /** What a gateway that exited by itself left behind. */
    record ExitedGateway(int exitCode, String output, boolean wroteReadyFile) {}

    URI proxyUri()
    {
        return proxyUri;
    }

    URI adminUri()
    {
        return adminUri;
    }

    /** The JDBC URL a user would be given: the gateway's proxy address and nothing about the clusters. */
    String jdbcUrl()
    {
        return "jdbc:trino://" + proxyUri.getHost() + ":" + proxyUri.getPort() + "?user=test";
    }

    GatewayConfig config()
    {
        return config;
    }

    Path logFile()
    {
        return process.outputFile();
    }

    String output()
    {
        return process.output();
    }

    String outputTail(int lines)
    {
        return process.outputTail(lines);
    }

    /** The admin API as an operator with this gateway's token (if it has one) calls it. */
    AdminApi admin()
    {
        return new AdminApi(adminUri, config.adminToken());
    }

    /** The admin API's view of the clusters: each with at least {@code id}, {@code uri}, {@code routingGroup}, {@code healthy}. */
    JsonNode clusters()
            throws IOException, InterruptedException
    {
        ProtocolResponse response = protocol.get(adminUri.resolve("/v1/gateway/clusters"), adminHeaders());
        if (response.status() != 200) {
            throw new AssertionError("GET /v1/gateway/clusters: " + response);
        }
        return response.json();
    }

    /** Waits until the admin API reports each named cluster with the given {@code healthy} value. */
    void awaitClusterHealth(Map<String, Boolean> expected)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + HEALTH_TIMEOUT.toNanos();
        String last = "no answer";
        while (System.nanoTime() < deadline) {
            requireAlive();
            ProtocolResponse response = protocol.get(adminUri.resolve("/v1/gateway/clusters"), adminHeaders());
            last = response.toString();
            if (response.status() == 200 && response.isJson() && matches(response.json(), expected)) {
                return;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("gateway " + name + " did not report clusters " + expected + " within "
                + HEALTH_TIMEOUT.toSeconds() + " s; last: " + last + "\noutput:\n" + outputTail(40));
    }

    /**
     * Waits until every cluster shows no queued or running query, as last probed, and none in flight through this
     * gateway: load-aware tests start from the same quiet clusters whatever ran before them.
     */
    void awaitIdleClusters(Duration timeout)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last = clusters();
        while (!isIdle(last)) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("gateway " + name + " still sees load after " + timeout.toSeconds() + " s: " + last);
            }
            Thread.sleep(200);
            last = clusters();
        }
    }

    private static boolean isIdle(JsonNode clusters)
    {
        for (JsonNode cluster : clusters) {
            if (cluster.path("queuedQueries").asInt() + cluster.path("runningQueries").asInt() + cluster.path("inFlightThroughGateway").asInt() != 0) {
                return false;
            }
        }
        return true;
    }

    private Map<String, String> adminHeaders()
    {
        return config.adminToken().map(token -> Map.of("Authorization", "Bearer " + token)).orElse(Map.of());
    }

    private static boolean matches(JsonNode clusters, Map<String, Boolean> expected)
    {
        Map<String, Boolean> actual = new HashMap<>();
        for (JsonNode cluster : clusters) {
            JsonNode healthy = cluster.path("healthy");
            if (healthy.isBoolean()) {
                actual.put(cluster.path("id").asText(), healthy.booleanValue());
            }
        }
        return expected.entrySet().stream().allMatch(entry -> entry.getValue().equals(actual.get(entry.getKey())));
    }

    /**
     * Stops the gateway with SIGTERM and starts it again on the same ports, the way an operator restarts a replica:
     * the new config names the ports the first start was given.
     */
    void restart()
            throws IOException, InterruptedException
    {
        URI oldProxy = proxyUri;
        URI oldAdmin = adminUri;
        stop();
        launch(config.withListeners("127.0.0.1:" + oldProxy.getPort(), "127.0.0.1:" + oldAdmin.getPort()));
        if (!proxyUri.equals(oldProxy) || !adminUri.equals(oldAdmin)) {
            throw new AssertionError("gateway " + name + " came back on " + proxyUri + " / " + adminUri
                    + " instead of " + oldProxy + " / " + oldAdmin);
        }
    }

    /**
     * Kills the gateway with SIGKILL, as a crash or the OOM killer would: no shutdown hook runs, its connections are
     * cut by the kernel. {@link #startAgain} brings it back.
     */
    void kill()
            throws InterruptedException
    {
        if (!running) {
            throw new IllegalStateException("gateway " + name + " is not running");
        }
        running = false;
        process.kill();
    }

    /** Starts a killed or stopped gateway again with the same config (token secret included) on the same ports. */
    void startAgain()
            throws IOException, InterruptedException
    {
        URI oldProxy = proxyUri;
        URI oldAdmin = adminUri;
        launch(config.withListeners("127.0.0.1:" + oldProxy.getPort(), "127.0.0.1:" + oldAdmin.getPort()));
        if (!proxyUri.equals(oldProxy) || !adminUri.equals(oldAdmin)) {
            throw new AssertionError("gateway " + name + " came back on " + proxyUri + " / " + adminUri + " instead of " + oldProxy + " / " + oldAdmin);
        }
    }

    /** Sends SIGTERM; a gateway that ignores it is killed and the problem remembered for {@link #stopAndVerify}. */
    void stop()
            throws InterruptedException
    {
        if (!running) {
            return;
        }
        running = false;
        if (!process.isAlive()) {
            problems.add("gateway exited by itself with code " + process.exitCode().orElseThrow() + " before it was stopped");
        }
        else {
            long stopping = System.nanoTime();
            if (!process.stop(STOP_GRACE)) {
                problems.add("gateway did not stop within " + STOP_GRACE.toSeconds() + " s of SIGTERM and was killed");
            }
            System.out.printf("gateway %s stopped %d ms after SIGTERM%n", name, Duration.ofNanos(System.nanoTime() - stopping).toMillis());
        }
    }

    /**
     * Stops the gateway and fails if it died early, ignored SIGTERM, or reported a leaked buffer ({@code LEAK:},
     * printed by Netty's paranoid leak detector) at any time during its life.
     */
    void stopAndVerify()
            throws InterruptedException
    {
        stop();
        List<String> found = new ArrayList<>(problems);
        if (process != null) {
            process.output().lines()
                    .filter(line -> line.contains(LEAK_MARKER))
                    .forEach(line -> found.add("leak report: " + line));
        }
        if (!found.isEmpty()) {
            throw new AssertionError("gateway " + name + " (output in " + directory.resolve("gateway.log") + "):\n  "
                    + String.join("\n  ", found));
        }
    }

    @Override
    public void close()
            throws InterruptedException
    {
        stop();
    }

    private void launch(GatewayConfig newConfig)
            throws IOException, InterruptedException
    {
        starts++;
        config = newConfig;
        Path configFile = directory.resolve("gateway-" + starts + ".yaml");
        Files.writeString(configFile, newConfig.toYaml(), UTF_8);
        Path readyFile = directory.resolve("ready.json");
        Files.deleteIfExists(readyFile);
        long launched = System.nanoTime();
        process = ChildProcess.start("gateway " + name, command(jar, configFile, readyFile), directory.resolve("gateway.log"), pidFile(name),
                jar.toString());
        running = true;
        awaitReadyFile(readyFile);
        System.out.printf("gateway %s ready at %s (admin %s) %d ms after launch%n",
                name, proxyUri, adminUri, Duration.ofNanos(System.nanoTime() - launched).toMillis());
    }

    private void awaitReadyFile(Path readyFile)
            throws IOException, InterruptedException
    {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            requireAlive();
            Optional<JsonNode> ready = readReadyFile(readyFile);
            if (ready.isPresent()) {
                proxyUri = URI.create(ready.get().path("proxy").asText());
                adminUri = URI.create(ready.get().path("admin").asText());
                return;
            }
            Thread.sleep(100);
        }
        running = false;
        process.stop(STOP_GRACE);
        throw new AssertionError("gateway " + name + " wrote no ready file within " + READY_TIMEOUT.toSeconds() + " s; output:\n"
                + outputTail(40));
    }

    private static Optional<JsonNode> readReadyFile(Path readyFile)
            throws IOException
    {
        if (!Files.exists(readyFile)) {
            return Optional.empty();
        }
        try {
            JsonNode ready = TrinoProtocol.JSON.readTree(Files.readString(readyFile, UTF_8));
            if (ready != null && ready.path("proxy").isTextual() && ready.path("admin").isTextual()) {
                return Optional.of(ready);
            }
            throw new AssertionError("ready file " + readyFile + " lacks proxy or admin: " + ready);
        }
        catch (JsonProcessingException e) {
            throw new AssertionError("ready file " + readyFile + " is not JSON, although the contract says it is written atomically", e);
        }
    }

    private void requireAlive()
    {
        if (!process.isAlive()) {
            throw new AssertionError("gateway " + name + " exited with code " + process.exitCode().orElseThrow() + "; output:\n"
                    + outputTail(40));
        }
    }

    /**
     * Copies the shaded jar next to the gateway's config: a rebuild of {@code gateway-server} during a test run would
     * otherwise overwrite the jar under a running JVM, which then fails to load its next class. A copy taken while
     * the jar is being rewritten (unshaded, truncated, or changing) is taken again. A restart reuses the copy, as an
     * operator restarts the same release.
     */
    private static Path snapshotJar(Path directory)
            throws IOException, InterruptedException
    {
        Path jar = ItEnvironment.gatewayJar();
        Path copy = directory.resolve("switchboard.jar");
        long deadline = System.nanoTime() + JAR_STABLE_TIMEOUT.toNanos();
        while (true) {
            if (Files.isRegularFile(jar)) {
                FileTime modified = Files.getLastModifiedTime(jar);
                Files.copy(jar, copy, StandardCopyOption.REPLACE_EXISTING);
                if (modified.equals(Files.getLastModifiedTime(jar)) && hasMainClass(copy)) {
                    return copy;
                }
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("no runnable gateway jar at " + jar + " (missing, without Main-Class, or still being written "
                        + JAR_STABLE_TIMEOUT.toSeconds() + " s later): build gateway-server first (mvn -B package at the repository root)");
            }
            Thread.sleep(1000);
        }
    }

    private static boolean hasMainClass(Path jar)
    {
        try (JarFile file = new JarFile(jar.toFile())) {
            Manifest manifest = file.getManifest();
            return manifest != null && manifest.getMainAttributes().getValue(Attributes.Name.MAIN_CLASS) != null;
        }
        catch (IOException e) {
            return false;
        }
    }

    private static ProcessBuilder command(Path jar, Path configFile, Path readyFile)
    {
        // "java" from PATH: the gateway targets the machine's default Java 17, not the JDK that runs Trino
        return new ProcessBuilder(
                "java",
                "-Xmx128m",
                "-Dio.netty.leakDetection.level=paranoid",
                "-jar", jar.toString(),
                "--config", configFile.toString(),
                "--ready-file", readyFile.toString());
    }

    private static Path prepareDirectory(String name)
            throws IOException
    {
        Path directory = ItEnvironment.workDirectory().resolve("gateways").resolve(name);
        ChildProcess.deleteRecursively(directory);
        Files.createDirectories(directory);
        return directory;
    }

    private static Path pidFile(String name)
    {
        return ItEnvironment.workDirectory().resolve("gateways").resolve("pids").resolve(name + ".pid");
    }

    @Override
    public String toString()
    {
        return "gateway " + name + " at " + proxyUri;
    }
}
