package io.switchboard.core.protocol;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.ClusterId;

import org.junit.jupiter.api.Test;

final class TestRoutingTokenCodec
{
    private final RoutingTokenCodec codec = new RoutingTokenCodec("secret".getBytes(UTF_8));

    @Test
    void decodesWhatItEncoded()
    {
        String token = codec.encode(ClusterId.of("trino-a"));

        assertThat(token).startsWith("trino-a~").hasSizeLessThan(30);
        assertThat(codec.decode(token)).contains(ClusterId.of("trino-a"));
    }

    @Test
    void anotherProcessWithTheSameSecretDecodesIt()
    {
        String token = codec.encode(ClusterId.of("etl-1"));

        RoutingTokenCodec other = new RoutingTokenCodec("secret".getBytes(UTF_8));

        assertThat(other.decode(token)).contains(ClusterId.of("etl-1"));
        assertThat(other.decode(token)).as("the second time, from what the first verified").contains(ClusterId.of("etl-1"));
        assertThat(other.decode(token.substring(0, token.length() - 1) + "x")).isEmpty();
    }

    @Test
    void refusesForgedTruncatedAndGarbageTokens()
    {
        String token = codec.encode(ClusterId.of("trino-a"));

        assertThat(codec.decode("trino-b" + token.substring("trino-a".length()))).isEmpty();
        assertThat(codec.decode(token.substring(0, token.length() - 1))).isEmpty();
        assertThat(codec.decode(token + "x")).isEmpty();
        assertThat(codec.decode("trino-a")).isEmpty();
        assertThat(codec.decode("~")).isEmpty();
        assertThat(codec.decode("")).isEmpty();
        assertThat(codec.decode("../../etc~passwd")).isEmpty();
        assertThat(new RoutingTokenCodec("other".getBytes(UTF_8)).decode(token)).isEmpty();
    }
}
