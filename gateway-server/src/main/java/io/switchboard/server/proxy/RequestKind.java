package io.switchboard.server.proxy;

/** What a client request is, for the proxy: it decides routing, rewriting and how errors are answered. */
enum RequestKind
{
    /** {@code POST /v1/statement}: routed by rules and policy, replayable on another cluster before any byte came back. */
    SUBMIT,
    /** A {@code nextUri}, {@code partialCancelUri} or other statement URI: goes to the owning cluster, never moves. */
    STATEMENT_FOLLOW_UP,
    /** Anything else forwarded to one cluster: query info, UI, spooled segments, {@code /v1/info}. */
    OTHER;

    boolean statementProtocol()
    {
        return this != OTHER;
    }
}
