package io.switchboard.server.config;

import com.fasterxml.jackson.annotation.JsonCreator;

/** A number of bytes, written in config as {@code 65536}, {@code 64KB} or {@code 1MB}. */
public record DataSize(int bytes)
{
    public DataSize
    {
        if (bytes < 0) {
            throw new IllegalArgumentException("size must not be negative");
        }
    }

    @JsonCreator
    public static DataSize parse(String text)
    {
        return new DataSize(ConfigValues.size(text));
    }

    public static DataSize ofKilobytes(int kilobytes)
    {
        return new DataSize(kilobytes * 1024);
    }
}
