package io.switchboard.server.config;

/** The configuration cannot be used; the message names the field and the reason in one line. */
public final class InvalidConfigException
        extends Exception
{
    public InvalidConfigException(String message)
    {
        super(message);
    }
}
