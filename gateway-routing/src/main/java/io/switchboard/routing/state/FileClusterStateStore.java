package io.switchboard.routing.state;

import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.AdminState;
import io.switchboard.core.ClusterId;
import io.switchboard.core.spi.ClusterStateStore;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Admin state in a local JSON file ({@code {"trino-a": "DRAINING"}}), rewritten whole on each change: written to a
 * temporary file, flushed to disk, then renamed over the old one, so a crash leaves either the old or the new file.
 */
public final class FileClusterStateStore
        implements ClusterStateStore
{
    private final Path file;
    private final ObjectMapper objectMapper;
    private final java.time.Instant created = java.time.Instant.now();

    public FileClusterStateStore(Path file, ObjectMapper objectMapper)
    {
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
        this.objectMapper = requireNonNull(objectMapper, "objectMapper is null");
    }

    @Override
    public synchronized Map<ClusterId, AdminState> load()
            throws IOException
    {
        Map<ClusterId, AdminState> states = new LinkedHashMap<>();
        for (Map.Entry<String, String> entry : read().entrySet()) {
            try {
                states.put(ClusterId.of(entry.getKey()), AdminState.valueOf(entry.getValue()));
            }
            catch (IllegalArgumentException e) {
                throw new IOException(file + ": invalid entry " + entry.getKey() + "=" + entry.getValue() + ": " + e.getMessage());
            }
        }
        return states;
    }

    @Override
    public synchronized void save(ClusterId cluster, AdminState state)
            throws IOException
    {
        Map<String, String> states = new TreeMap<>(read());
        if (state == AdminState.ACTIVE) {
            states.remove(cluster.value());
        }
        else {
            states.put(cluster.value(), state.name());
        }
        Path directory = file.getParent();
        if (directory != null) {
            Files.createDirectories(directory);
        }
        Path temporary = Files.createTempFile(directory, file.getFileName().toString(), ".tmp");
        try {
            Files.write(temporary, objectMapper.writerWithDefaultPrettyPrinter().writeValueAsBytes(states));
            try (java.nio.channels.FileChannel channel = java.nio.channels.FileChannel.open(temporary, java.nio.file.StandardOpenOption.WRITE)) {
                channel.force(true);
            }
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        }
        finally {
            Files.deleteIfExists(temporary);
        }
    }

    @Override
    public io.switchboard.core.spi.SourceStatus status()
    {
        return io.switchboard.core.spi.SourceStatus.local("file", created);
    }

    private Map<String, String> read()
            throws IOException
    {
        if (!Files.exists(file)) {
            return Map.of();
        }
        try {
            Map<String, String> states = objectMapper.readValue(file.toFile(), new TypeReference<Map<String, String>>() {});
            return states == null ? Map.of() : states;
        }
        catch (IOException e) {
            throw new IOException(file + ": cannot read cluster states: " + e.getMessage(), e);
        }
    }
}
