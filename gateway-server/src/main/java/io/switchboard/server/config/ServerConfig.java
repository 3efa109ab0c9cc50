package io.switchboard.server.config;

import static io.switchboard.server.config.ConfigValues.require;

import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The client-facing proxy port.
 *
 * @param publicUri the address clients reach the gateway at, used in every URI it hands out; when absent, taken from
 *     each request's {@code X-Forwarded-Proto}/{@code X-Forwarded-Host} or {@code Host}
 * @param maxRequestBody the largest request body (a statement's SQL) accepted; larger ones get 413
 * @param idleTimeout a client connection that sent nothing for this long is closed, unless an answer it reads is streaming
 * @param ioThreads event-loop threads; 0 means one per core
 * @param transport the socket layer: {@code auto} (epoll, else NIO), {@code io_uring}, {@code epoll} or {@code nio};
 *     a transport named explicitly must be available
 * @param maxConnections client connections held open at once; one more is answered 503 and closed
 * @param requestReadTimeout a request must arrive whole within this time of its first byte (slowloris); a slower one
 *     is refused with 408 and its connection closed
 * @param tls when present, the client port speaks only HTTPS
 */
public record ServerConfig(
        HostAndPort listen,
        URI publicUri,
        DataSize maxInitialLine,
        DataSize maxHeaderSize,
        DataSize maxRequestBody,
        Duration idleTimeout,
        Integer maxPipelinedRequests,
        Integer ioThreads,
        String transport,
        Integer maxConnections,
        Duration requestReadTimeout,
        ServerTlsConfig tls)
{
    public static final List<String> TRANSPORTS = List.of("auto", "io_uring", "epoll", "nio");

    public ServerConfig
    {
        listen = listen == null ? HostAndPort.parse("127.0.0.1:8080") : listen;
        maxInitialLine = maxInitialLine == null ? DataSize.ofKilobytes(16) : maxInitialLine;
        maxHeaderSize = maxHeaderSize == null ? DataSize.ofKilobytes(64) : maxHeaderSize;
        maxRequestBody = maxRequestBody == null ? DataSize.ofKilobytes(4096) : maxRequestBody;
        idleTimeout = idleTimeout == null ? Duration.ofMinutes(5) : idleTimeout;
        maxPipelinedRequests = maxPipelinedRequests == null ? 16 : maxPipelinedRequests;
        ioThreads = ioThreads == null ? 0 : ioThreads;
        transport = transport == null ? "auto" : transport;
        maxConnections = maxConnections == null ? 10_000 : maxConnections;
        requestReadTimeout = requestReadTimeout == null ? Duration.ofSeconds(60) : requestReadTimeout;
        if (publicUri != null) {
            require("http".equals(publicUri.getScheme()) || "https".equals(publicUri.getScheme()), "public-uri: must be an http or https URI");
            require(publicUri.getHost() != null, "public-uri: has no host");
            require(publicUri.getRawPath() == null || publicUri.getRawPath().isEmpty() || publicUri.getRawPath().equals("/"), "public-uri: must not have a path");
            require(publicUri.getRawQuery() == null, "public-uri: must not have a query");
        }
        require(maxInitialLine.bytes() >= 1024, "max-initial-line: must be at least 1KB");
        require(maxHeaderSize.bytes() >= 1024, "max-header-size: must be at least 1KB");
        require(maxRequestBody.bytes() >= 1024, "max-request-body: must be at least 1KB");
        require(!idleTimeout.isNegative() && !idleTimeout.isZero(), "idle-timeout: must be positive");
        require(maxPipelinedRequests >= 1, "max-pipelined-requests: must be at least 1");
        require(ioThreads >= 0, "io-threads: must not be negative");
        require(TRANSPORTS.contains(transport), "transport: must be one of " + TRANSPORTS + ", got '" + transport + "'");
        require(maxConnections >= 1, "max-connections: must be at least 1");
        require(requestReadTimeout.toMillis() >= 1, "request-read-timeout: must be positive");
    }

    public Optional<URI> configuredPublicUri()
    {
        return Optional.ofNullable(publicUri);
    }

    public Optional<ServerTlsConfig> configuredTls()
    {
        return Optional.ofNullable(tls);
    }

    static ServerConfig defaults()
    {
        return new ServerConfig(null, null, null, null, null, null, null, null, null, null, null, null);
    }
}
