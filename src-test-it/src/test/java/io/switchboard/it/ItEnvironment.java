package io.switchboard.it;

import java.nio.file.Path;

/** Where the build put the gateway jar, the Trino server, the CLI and the JDK that Trino needs. */
final class ItEnvironment
{
    private ItEnvironment() {}

    static Path gatewayJar()
    {
        return path("switchboard.jar", "../gateway-server/target/switchboard.jar");
    }

    static Path trinoHome()
    {
        return path("trino.home", "target/trino/trino-server-core-476");
    }

    static Path trinoCliJar()
    {
        return path("trino.cli.jar", "target/trino-cli.jar");
    }

    /** Trino 476 needs Java 22 or later, while the gateway and the clients run on the default Java 17. */
    static Path trinoJavaHome()
    {
        return path("trino.java.home", "/usr/lib/jvm/temurin-25-jdk-amd64");
    }

    static Path workDirectory()
    {
        return path("it.work.dir", "target");
    }

    private static Path path(String property, String fallback)
    {
        return Path.of(System.getProperty(property, fallback)).toAbsolutePath().normalize();
    }
}
