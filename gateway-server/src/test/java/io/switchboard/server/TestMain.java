package io.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Netty settings a started gateway runs with, unless the JVM was started with others. */
final class TestMain
{
    @Test
    void leakDetectionIsOffAndTheAllocatorPooledByDefault()
    {
        assertThat(Main.nettyDefaults(Map.<String, String>of()::get))
                .containsExactly(Map.entry("io.netty.leakDetection.level", "disabled"), Map.entry("io.netty.allocator.type", "pooled"));
    }

    @Test
    void settingsGivenToTheJvmAreKept()
    {
        assertThat(Main.nettyDefaults(Map.of("io.netty.leakDetection.level", "paranoid", "io.netty.allocator.type", "adaptive")::get)).isEmpty();
        // the detector's older property name counts too
        assertThat(Main.nettyDefaults(Map.of("io.netty.leakDetectionLevel", "simple")::get))
                .containsExactly(Map.entry("io.netty.allocator.type", "pooled"));
    }
}
