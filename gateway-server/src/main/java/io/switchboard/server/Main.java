package io.switchboard.server;

import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;
import io.switchboard.server.config.InvalidConfigException;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;

/** Starts the gateway: {@code switchboard [--config FILE] [--ready-file FILE]}. */
public final class Main
{
    private Main() {}

    /**
     * Netty's leak detector samples one buffer in 128 and makes every pipeline hop note where a message went: a few
     * percent of the proxy's CPU. The tests run it at {@code paranoid}; in service it is off unless asked for with
     * {@code -Dio.netty.leakDetection.level=simple|advanced|paranoid}.
     */
    static final String LEAK_DETECTION = "io.netty.leakDetection.level";

    /**
     * Netty 4.2 defaults to its adaptive allocator; its pooled allocator (per-thread caches over arenas) served 3-15 %
     * more polls per second at 64 connections here in six paired runs out of six, at the same peak RSS. It is the
     * default unless {@code -Dio.netty.allocator.type=adaptive|unpooled} is given.
     */
    static final String ALLOCATOR = "io.netty.allocator.type";

    /** The Netty system properties the gateway sets, given how the JVM was started ({@code property} of a name, or null). */
    static Map<String, String> nettyDefaults(Function<String, String> property)
    {
        Map<String, String> defaults = new LinkedHashMap<>();
        if (property.apply(LEAK_DETECTION) == null && property.apply("io.netty.leakDetectionLevel") == null) {
            defaults.put(LEAK_DETECTION, "disabled");
        }
        if (property.apply(ALLOCATOR) == null) {
            defaults.put(ALLOCATOR, "pooled");
        }
        return defaults;
    }

    public static void main(String[] args)
            throws Exception
    {
        // before any Netty class reads them
        nettyDefaults(System::getProperty).forEach(System::setProperty);
        Path configFile = null;
        Path readyFile = null;
        for (int i = 0; i < args.length; i++) {
            String argument = args[i];
            if ((argument.equals("--config") || argument.equals("--ready-file")) && i + 1 < args.length) {
                Path value = Path.of(args[++i]);
                if (argument.equals("--config")) {
                    configFile = value;
                }
                else {
                    readyFile = value;
                }
            }
            else if (argument.equals("--help") || argument.equals("-h")) {
                System.out.println("usage: switchboard [--config FILE] [--ready-file FILE]");
                System.out.println("  --config FILE      gateway.yaml to use; without it, the embedded default (two local clusters)");
                System.out.println("  --ready-file FILE  once listening, write {\"proxy\":URL,\"admin\":URL} to FILE");
                return;
            }
            else {
                System.err.println("switchboard: unknown argument '" + argument + "' (try --help)");
                System.exit(2);
            }
        }

        GatewayConfig config;
        ConfigLoader loader = new ConfigLoader();
        try {
            config = configFile == null ? loader.loadEmbeddedDefault() : loader.load(configFile);
        }
        catch (InvalidConfigException e) {
            System.err.println("switchboard: invalid configuration: " + e.getMessage());
            System.exit(2);
            return;
        }

        GatewayServer server;
        try {
            server = new GatewayServer(config, java.util.Optional.ofNullable(configFile), System.getenv());
        }
        catch (IllegalStateException e) {
            System.err.println("switchboard: cannot start: " + e.getMessage());
            System.exit(1);
            return;
        }
        try {
            server.start();
        }
        catch (Exception e) {
            System.err.println("switchboard: cannot start: " + e);
            server.close();
            System.exit(1);
            return;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            server.close();
            stopped.countDown();
        }, "switchboard-shutdown"));
        if (readyFile != null) {
            server.writeReadyFile(readyFile);
        }
        stopped.await();
    }
}
