package io.switchboard.server;

import static java.util.Objects.requireNonNull;

import io.switchboard.server.admin.ConfigReloader;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.nio.file.attribute.FileTime;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration when its file changes, and on {@code SIGHUP}. Editors save in bursts (truncate, write,
 * rename), so a change is acted on once the file has been quiet for a moment.
 */
final class ConfigWatcher
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    private static final long QUIET_MILLIS = 500;

    private final Path file;
    private final ConfigReloader reloader;
    private WatchService watchService;
    private Thread thread;

    ConfigWatcher(Path file, ConfigReloader reloader)
    {
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
        this.reloader = requireNonNull(reloader, "reloader is null");
    }

    void start()
    {
        installHangupHandler();
        try {
            watchService = FileSystems.getDefault().newWatchService();
            file.getParent().register(watchService, StandardWatchEventKinds.ENTRY_MODIFY, StandardWatchEventKinds.ENTRY_CREATE);
        }
        catch (IOException e) {
            log.warn("event=config_watch_unavailable file={} reason=\"{}\"", file, e.getMessage());
            return;
        }
        // read before returning, so that a change made right after start is seen as one
        FileTime loaded = modified();
        thread = new Thread(() -> watch(loaded), "switchboard-config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(FileTime loaded)
    {
        FileTime seen = loaded;
        try {
            while (true) {
                WatchKey key = watchService.take();
                boolean touched = false;
                for (WatchEvent<?> event : key.pollEvents()) {
                    if (event.context() instanceof Path changed && file.getFileName().equals(changed)) {
                        touched = true;
                    }
                }
                key.reset();
                if (!touched) {
                    continue;
                }
                // let the writer finish
                WatchKey more;
                while ((more = watchService.poll(QUIET_MILLIS, TimeUnit.MILLISECONDS)) != null) {
                    more.pollEvents();
                    more.reset();
                }
                FileTime now = modified();
                if (now != null && !now.equals(seen)) {
                    seen = now;
                    ConfigReloader.Outcome outcome = reloader.reload();
                    log.info("event=config_file_changed applied={} message=\"{}\"", outcome.applied(), outcome.message());
                }
            }
        }
        catch (InterruptedException | ClosedWatchServiceException e) {
            Thread.currentThread().interrupt();
        }
    }

    private FileTime modified()
    {
        try {
            return Files.getLastModifiedTime(file);
        }
        catch (IOException e) {
            return null;
        }
    }

    @SuppressWarnings("removal")
    private void installHangupHandler()
    {
        try {
            sun.misc.Signal.handle(new sun.misc.Signal("HUP"), signal -> {
                ConfigReloader.Outcome outcome = reloader.reload();
                log.info("event=sighup applied={} message=\"{}\"", outcome.applied(), outcome.message());
            });
        }
        catch (IllegalArgumentException | UnsupportedOperationException e) {
            log.info("event=sighup_unavailable reason=\"{}\"", e.getMessage());
        }
    }

    @Override
    public void close()
    {
        if (watchService != null) {
            try {
                watchService.close();
            }
            catch (IOException e) {
                log.debug("event=config_watch_close_failed reason=\"{}\"", e.getMessage());
            }
        }
        if (thread != null) {
            thread.interrupt();
        }
    }
}
