package io.switchboard.server.admin;

import static java.util.Objects.requireNonNull;

import java.util.List;

/** Reloads the gateway's configuration file on request. */
public interface ConfigReloader
{
    /**
     * What a reload did.
     *
     * @param applied false when the new file was refused and the running configuration kept
     * @param message why it was refused, or what changed
     * @param needRestart sections whose changes only take effect after a restart
     */
    record Outcome(boolean applied, String message, List<String> needRestart)
    {
        public Outcome
        {
            requireNonNull(message, "message is null");
            needRestart = List.copyOf(needRestart);
        }
    }

    Outcome reload();
}
