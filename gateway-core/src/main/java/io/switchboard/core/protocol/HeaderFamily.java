package io.switchboard.core.protocol;

import java.util.function.Function;

/**
 * The two spellings of the client protocol's headers: {@code X-Trino-*} and {@code X-Presto-*}.
 * The gateway reads whichever family a request uses and passes both through untouched.
 */
public enum HeaderFamily
{
    TRINO("X-Trino-"),
    PRESTO("X-Presto-");

    private final String prefix;
    private final String user;
    private final String source;
    private final String clientTags;
    private final String transactionId;
    private final String startedTransactionId;
    private final String clearTransactionId;
    private final String routingGroup;

    HeaderFamily(String prefix)
    {
        this.prefix = prefix;
        this.user = prefix + "User";
        this.source = prefix + "Source";
        this.clientTags = prefix + "Client-Tags";
        this.transactionId = prefix + "Transaction-Id";
        this.startedTransactionId = prefix + "Started-Transaction-Id";
        this.clearTransactionId = prefix + "Clear-Transaction-Id";
        this.routingGroup = prefix + "Routing-Group";
    }

    public String prefix()
    {
        return prefix;
    }

    public String user()
    {
        return user;
    }

    public String source()
    {
        return source;
    }

    public String clientTags()
    {
        return clientTags;
    }

    public String transactionId()
    {
        return transactionId;
    }

    public String startedTransactionId()
    {
        return startedTransactionId;
    }

    public String clearTransactionId()
    {
        return clearTransactionId;
    }

    public String routingGroup()
    {
        return routingGroup;
    }

    /**
     * The family a request speaks: Presto when it names its user only with {@code X-Presto-User}, Trino otherwise.
     *
     * @param headers looks up a request header by name, case-insensitively, returning null when absent
     */
    public static HeaderFamily of(Function<String, String> headers)
    {
        if (headers.apply(TRINO.user) == null && headers.apply(PRESTO.user) != null) {
            return PRESTO;
        }
        return TRINO;
    }
}
