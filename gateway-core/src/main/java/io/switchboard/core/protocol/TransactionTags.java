package io.switchboard.core.protocol;

import static java.util.Objects.requireNonNull;

import java.util.Optional;

/**
 * Transaction ids as the gateway hands them to clients: {@code <routing token>.<backend transaction id>}. A client
 * sends the id back on every statement of its transaction, so any gateway process finds the cluster that started
 * it without shared state; the backend only ever sees its own id.
 */
public final class TransactionTags
{
    private static final char SEPARATOR = '.';

    private TransactionTags() {}

    /** A client-side transaction id split into its routing token and the backend's id. */
    public record Tagged(String token, String transactionId)
    {
        public Tagged
        {
            requireNonNull(token, "token is null");
            requireNonNull(transactionId, "transactionId is null");
        }
    }

    public static String tag(String token, String transactionId)
    {
        return token + SEPARATOR + transactionId;
    }

    /** Empty when the value carries no gateway tag, such as {@code NONE} or an id a backend handed out directly. */
    public static Optional<Tagged> parse(String value)
    {
        int separator = value.indexOf(SEPARATOR);
        int tokenMark = value.indexOf(RoutingTokenCodec.SEPARATOR);
        if (separator <= 0 || tokenMark < 0 || tokenMark > separator || separator == value.length() - 1) {
            return Optional.empty();
        }
        return Optional.of(new Tagged(value.substring(0, separator), value.substring(separator + 1)));
    }
}
