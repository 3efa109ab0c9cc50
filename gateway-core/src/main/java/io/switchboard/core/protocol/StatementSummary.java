package io.switchboard.core.protocol;

/**
 * What one statement-protocol response said about its query, gathered while the response streamed through.
 * Fields are null, and {@code elapsedMillis} is -1, when the response did not carry them.
 *
 * @param hasNextUri false on the response that ends the query: its state is then terminal
 */
public record StatementSummary(
        String queryId,
        String state,
        boolean hasNextUri,
        String errorName,
        String errorType,
        String errorMessage,
        String updateType,
        long elapsedMillis)
{
    public boolean terminal()
    {
        return !hasNextUri;
    }
}
