package io.switchboard.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.server.admin.ConfigReloader;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestConfigWatcher
{
    private final AtomicInteger reloads = new AtomicInteger();
    private final ConfigReloader reloader = () -> {
        reloads.incrementAndGet();
        return new ConfigReloader.Outcome(true, "applied", List.of());
    };

    @Test
    void anEditThatKeepsTheModificationTimeStillReloads(@TempDir Path dir)
            throws Exception
    {
        Path config = Files.writeString(dir.resolve("gateway.yaml"), "clusters: []\n");
        FileTime time = Files.getLastModifiedTime(config);
        try (ConfigWatcher watcher = new ConfigWatcher(config, reloader, 200)) {
            watcher.start();

            Files.writeString(config, "clusters: [a]\n");
            Files.setLastModifiedTime(config, time);

            awaitReloads(1);
        }
    }

    @Test
    void aTouchWithoutAnEditDoesNotReload(@TempDir Path dir)
            throws Exception
    {
        Path config = Files.writeString(dir.resolve("gateway.yaml"), "clusters: []\n");
        try (ConfigWatcher watcher = new ConfigWatcher(config, reloader, 200)) {
            watcher.start();

            Files.setLastModifiedTime(config, FileTime.fromMillis(System.currentTimeMillis() + 60_000));
            Files.writeString(config, "clusters: []\n");
            Thread.sleep(1_500);

            assertThat(reloads).hasValue(0);
        }
    }

    @Test
    void aConfigMapStyleSwapBehindSymbolicLinksReloads(@TempDir Path dir)
            throws Exception
    {
        // the layout Kubernetes mounts: gateway.yaml -> ..data/gateway.yaml, ..data -> a versioned directory
        Path first = Files.createDirectory(dir.resolve("..2026_11_27_01"));
        Files.writeString(first.resolve("gateway.yaml"), "clusters: []\n", UTF_8);
        Files.createSymbolicLink(dir.resolve("..data"), first.getFileName());
        Path config = Files.createSymbolicLink(dir.resolve("gateway.yaml"), Path.of("..data", "gateway.yaml"));
        try (ConfigWatcher watcher = new ConfigWatcher(config, reloader, 200)) {
            watcher.start();

            Path second = Files.createDirectory(dir.resolve("..2026_11_27_02"));
            Files.writeString(second.resolve("gateway.yaml"), "clusters: [a]\n", UTF_8);
            Path link = Files.createSymbolicLink(dir.resolve("..data_tmp"), second.getFileName());
            Files.move(link, dir.resolve("..data"), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);

            awaitReloads(1);
        }
    }

    private void awaitReloads(int expected)
            throws InterruptedException
    {
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (reloads.get() < expected && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(reloads).hasValue(expected);
    }
}
