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
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration when its file changes, and on {@code SIGHUP}. Editors save in bursts (truncate, write,
 * rename), so a change is acted on once the file has been quiet for a moment.
 *
 * <p>A change is a change of content, not of modification time: two saves within one tick of the file system's clock
 * keep the time and still count, and a touch without an edit does not reload. The file is also looked at every few
 * seconds without an event, for mounts whose files change behind a symbolic link (a Kubernetes ConfigMap swaps a
 * link in the directory, not the file the gateway was given), where no event names the file.
 */
final class ConfigWatcher
        implements AutoCloseable
{
    private static final Logger log = LoggerFactory.getLogger(ConfigWatcher.class);
    private static final long QUIET_MILLIS = 500;
    private static final long LOOK_MILLIS = 5_000;

    private final Path file;
    private final ConfigReloader reloader;
    private final long lookMillis;
    private WatchService watchService;
    private Thread thread;

    ConfigWatcher(Path file, ConfigReloader reloader)
    {
        this(file, reloader, LOOK_MILLIS);
    }

    /** @param lookMillis how often the file is looked at when no event came */
    ConfigWatcher(Path file, ConfigReloader reloader, long lookMillis)
    {
        this.file = requireNonNull(file, "file is null").toAbsolutePath();
        this.reloader = requireNonNull(reloader, "reloader is null");
        this.lookMillis = lookMillis;
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
        String loaded = fingerprint();
        thread = new Thread(() -> watch(loaded), "switchboard-config-watch");
        thread.setDaemon(true);
        thread.start();
    }

    private void watch(String loaded)
    {
        String seen = loaded;
        try {
            while (true) {
                WatchKey key = watchService.poll(lookMillis, TimeUnit.MILLISECONDS);
                if (key != null) {
                    boolean touched = false;
                    for (WatchEvent<?> event : key.pollEvents()) {
                        if (!(event.context() instanceof Path changed) || file.getFileName().equals(changed) || changed.getFileName().toString().startsWith("..")) {
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
                }
                String now = fingerprint();
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

    /** A digest of the file's bytes, or null while it cannot be read (being replaced, say). */
    private String fingerprint()
    {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
        }
        catch (IOException e) {
            return null;
        }
        catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
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
