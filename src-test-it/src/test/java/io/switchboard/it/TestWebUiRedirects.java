package io.switchboard.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The coordinators' web UI redirects to themselves by their own address; through the gateway they stay on it. */
final class TestWebUiRedirects
{
    @RegisterExtension
    static final GatewayExtension GATEWAY = GatewayExtension.overSharedTrino();

    private final HttpClient client = HttpClient.newBuilder()
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(Duration.ofSeconds(10))
            .build();

    @Test
    void theUisRedirectsLeadBackToTheGatewayAndOnToTheSameCluster()
            throws IOException, InterruptedException
    {
        URI gateway = GATEWAY.gateway().proxyUri();
        String base = gateway.getScheme() + "://" + gateway.getRawAuthority();

        HttpResponse<String> ui = get(URI.create(base + "/ui"));
        assertThat(ui.statusCode()).as(ui.body()).isBetween(300, 399);
        String location = ui.headers().firstValue("Location").orElseThrow();
        // Trino answers with its own address; the client gets the gateway's, with the cluster's routing token
        assertThat(location).startsWith(base + "/sb/").endsWith("/ui/");

        // following it reaches the same coordinator's UI, whose next redirect (to its login form) stays on the gateway too
        HttpResponse<String> next = get(URI.create(location));
        assertThat(next.statusCode()).as(next.body()).isLessThan(500);
        next.headers().firstValue("Location").ifPresent(again -> assertThat(again).startsWith(base + "/sb/"));
    }

    private HttpResponse<String> get(URI uri)
            throws IOException, InterruptedException
    {
        return client.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build(), HttpResponse.BodyHandlers.ofString());
    }
}
