package io.switchboard.it;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The real Trino CLI executable jar, run the way a user runs it with {@code --execute}. */
final class TrinoCli
{
    private static final long TIMEOUT_SECONDS = 120;

    private TrinoCli() {}

    /** What the CLI printed and how it exited. */
    record Result(int exitCode, String stdout, String stderr)
    {
        String allOutput()
        {
            return stdout + stderr;
        }
    }

    /** Runs one statement with CSV output, the easiest to compare. */
    static Result execute(URI server, String sql)
            throws IOException, InterruptedException
    {
        return execute(server, sql, "CSV");
    }

    static Result execute(URI server, String sql, String outputFormat)
            throws IOException, InterruptedException
    {
        return execute(server, sql, outputFormat, List.of());
    }

    /** Runs one statement with further command-line options, such as {@code --source airflow-daily}. */
    static Result execute(URI server, String sql, String outputFormat, List<String> options)
            throws IOException, InterruptedException
    {
        List<String> command = new ArrayList<>(List.of(
                "java", "-jar", ItEnvironment.trinoCliJar().toString(),
                "--server", server.toString(),
                "--user", "test",
                "--execute", sql,
                "--output-format", outputFormat));
        command.addAll(options);
        Path stdout = Files.createTempFile("trino-cli", ".out");
        Path stderr = Files.createTempFile("trino-cli", ".err");
        try {
            Process process = new ProcessBuilder(command)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
                    .redirectOutput(stdout.toFile())
                    .redirectError(stderr.toFile())
                    .start();
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
                throw new AssertionError("Trino CLI did not finish within " + TIMEOUT_SECONDS + " s: " + sql
                        + "\nstdout: " + Files.readString(stdout, UTF_8) + "\nstderr: " + Files.readString(stderr, UTF_8));
            }
            return new Result(process.exitValue(), Files.readString(stdout, UTF_8), Files.readString(stderr, UTF_8));
        }
        finally {
            Files.deleteIfExists(stdout);
            Files.deleteIfExists(stderr);
        }
    }
}
