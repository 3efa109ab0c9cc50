package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** A child process whose output goes to a file, stopped with SIGTERM, and never left behind when the JVM exits. */
final class ChildProcess
{
    private final Process process;
    private final Path outputFile;
    private final Path pidFile;
    private final Thread shutdownHook;

    private ChildProcess(String name, Process process, Path outputFile, Path pidFile)
    {
        this.process = requireNonNull(process, "process is null");
        this.outputFile = requireNonNull(outputFile, "outputFile is null");
        this.pidFile = requireNonNull(pidFile, "pidFile is null");
        this.shutdownHook = new Thread(this::destroyTree, "stop " + requireNonNull(name, "name is null"));
    }

    /**
     * Starts the process with stdout and stderr appended to {@code outputFile}. A process recorded in
     * {@code pidFile} by an earlier, killed test run is stopped first if its command line still contains
     * {@code commandLineMarker} (a path unique to this process), so it cannot hold a port or a directory; keep the
     * pid file outside any directory the caller deletes before starting.
     */
    static ChildProcess start(String name, ProcessBuilder builder, Path outputFile, Path pidFile, String commandLineMarker)
            throws IOException
    {
        Files.createDirectories(pidFile.getParent());
        stopLeftover(pidFile);
        Files.createDirectories(outputFile.getParent());
        builder.redirectErrorStream(true);
        builder.redirectOutput(ProcessBuilder.Redirect.appendTo(outputFile.toFile()));
        builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process process = builder.start();
        ChildProcess child = new ChildProcess(name, process, outputFile, pidFile);
        Files.writeString(pidFile, process.pid() + "\n" + commandLineMarker + "\n", UTF_8);
        Runtime.getRuntime().addShutdownHook(child.shutdownHook);
        return child;
    }

    boolean isAlive()
    {
        return process.isAlive();
    }

    Optional<Integer> exitCode()
    {
        return process.isAlive() ? Optional.empty() : Optional.of(process.exitValue());
    }

    Path outputFile()
    {
        return outputFile;
    }

    String output()
    {
        try {
            return Files.exists(outputFile) ? Files.readString(outputFile, UTF_8) : "";
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    String outputTail(int lines)
    {
        List<String> all = output().lines().toList();
        return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    }

    /** Waits for the process to exit by itself. */
    boolean awaitExit(Duration timeout)
            throws InterruptedException
    {
        boolean exited = process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (exited) {
            forget();
        }
        return exited;
    }

    /**
     * Sends SIGTERM and waits. Returns whether the process stopped on its own within the grace period; if it did
     * not, it is killed with SIGKILL so that nothing is left behind either way.
     */
    boolean stop(Duration grace)
            throws InterruptedException
    {
        boolean graceful = true;
        if (process.isAlive()) {
            process.destroy();
            graceful = process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS);
            if (!graceful) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        forget();
        return graceful;
    }

    /**
     * Kills the process with SIGKILL, the way a machine failure or the kernel's OOM killer ends it: no shutdown hook
     * runs and its sockets are closed by the kernel. Returns once it has exited.
     */
    void kill()
            throws InterruptedException
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            throw new IllegalStateException("process " + process.pid() + " still runs 30 s after SIGKILL");
        }
        forget();
    }

    private void forget()
    {
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        }
        catch (IllegalStateException e) {
            // the JVM is already shutting down and the hook runs anyway
        }
        try {
            Files.deleteIfExists(pidFile);
        }
        catch (IOException e) {
            // a stale pid file is harmless: stopLeftover checks the command line before it stops anything
        }
    }

    private void destroyTree()
    {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        }
        catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Stops the process recorded in the pid file only if its command line still contains the recorded marker, so a
     * reused pid is safe; a marker rather than the whole command line, because Trino's launcher execs java.
     */
    private static void stopLeftover(Path pidFile)
            throws IOException
    {
        if (!Files.exists(pidFile)) {
            return;
        }
        List<String> lines = Files.readAllLines(pidFile, UTF_8);
        Files.delete(pidFile);
        if (lines.size() < 2 || lines.get(1).isEmpty()) {
            return;
        }
        long pid = Long.parseLong(lines.get(0).trim());
        String marker = lines.get(1);
        Optional<ProcessHandle> leftover = ProcessHandle.of(pid)
                .filter(handle -> handle.info().commandLine().map(commandLine -> commandLine.contains(marker)).orElse(false));
        if (leftover.isPresent()) {
            ProcessHandle handle = leftover.get();
            handle.destroy();
            try {
                handle.onExit().get(30, TimeUnit.SECONDS);
            }
            catch (Exception e) {
                handle.destroyForcibly();
            }
        }
    }

    /** Deletes a directory tree; the instance directories are recreated on every start so no state leaks between runs. */
    static void deleteRecursively(Path directory)
            throws IOException
    {
        if (!Files.exists(directory)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(directory)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(path);
            }
        }
    }
}
