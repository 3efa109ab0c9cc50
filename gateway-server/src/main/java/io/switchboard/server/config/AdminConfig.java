package io.switchboard.server.config;

/** The operators' port: admin API and metrics. */
public record AdminConfig(HostAndPort listen)
{
    public AdminConfig
    {
        listen = listen == null ? HostAndPort.parse("127.0.0.1:8081") : listen;
    }

    static AdminConfig defaults()
    {
        return new AdminConfig(null);
    }
}
