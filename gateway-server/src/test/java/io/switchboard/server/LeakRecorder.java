package io.switchboard.server;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Collects Netty's buffer-leak reports during tests, so a test can fail on them instead of leaving them in a log.
 * Logback creates the appender from {@code logback-test.xml}, hence the shared queue.
 */
public final class LeakRecorder
        extends AppenderBase<ILoggingEvent>
{
    private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();

    @Override
    protected void append(ILoggingEvent event)
    {
        if (event.getFormattedMessage().contains("LEAK")) {
            LEAKS.add(event.getFormattedMessage());
        }
    }

    /** Collects garbage and allocates, which is when Netty reports buffers that were collected unreleased. */
    public static List<String> leaksAfterCollection()
            throws InterruptedException
    {
        for (int round = 0; round < 5; round++) {
            System.gc();
            Thread.sleep(50);
            for (int i = 0; i < 100; i++) {
                ByteBuf buffer = PooledByteBufAllocator.DEFAULT.buffer(16);
                buffer.release();
            }
        }
        return List.copyOf(LEAKS);
    }
}
