package io.switchboard.server.proxy;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.RoutingGroup;

import java.net.URI;
import org.junit.jupiter.api.Test;

class TestRedirects
{
    private static final Cluster CLUSTER = Cluster.of(ClusterId.of("trino-a"), URI.create("http://10.1.2.3:8080"), RoutingGroup.of("adhoc"));
    private static final String GATEWAY = "https://gateway.example";
    private static final String TOKEN = "trino-a~abc";

    @Test
    void aRedirectToTheClusterItselfComesBackToTheGatewayWithTheClustersToken()
    {
        assertThat(Redirects.toPublic("http://10.1.2.3:8080/ui/", CLUSTER, GATEWAY, TOKEN)).hasValue("https://gateway.example/sb/trino-a~abc/ui/");
        assertThat(Redirects.toPublic("HTTP://10.1.2.3:8080/ui/login.html?redirect=%2Fui%2F", CLUSTER, GATEWAY, TOKEN))
                .hasValue("https://gateway.example/sb/trino-a~abc/ui/login.html?redirect=%2Fui%2F");
        assertThat(Redirects.toPublic("//10.1.2.3:8080/ui/", CLUSTER, GATEWAY, TOKEN)).hasValue("https://gateway.example/sb/trino-a~abc/ui/");
        assertThat(Redirects.toPublic("/v1/statement/queued/q1/y/1", CLUSTER, GATEWAY, TOKEN)).hasValue("https://gateway.example/sb/trino-a~abc/v1/statement/queued/q1/y/1");
    }

    @Test
    void aPathNoTokenMayOpenGoesToTheGatewayAsItIs()
    {
        assertThat(Redirects.toPublic("http://10.1.2.3:8080/oauth2/callback?code=1", CLUSTER, GATEWAY, TOKEN)).hasValue("https://gateway.example/oauth2/callback?code=1");
        assertThat(Redirects.toPublic("http://10.1.2.3:8080/ui/../v1/node", CLUSTER, GATEWAY, TOKEN)).hasValue("https://gateway.example/ui/../v1/node");
        // relative: the client resolves it against the gateway already
        assertThat(Redirects.toPublic("/oauth2/callback", CLUSTER, GATEWAY, TOKEN)).isEmpty();
    }

    @Test
    void redirectsElsewhereAreLeftAlone()
    {
        assertThat(Redirects.toPublic("https://idp.example/authorize?client=trino", CLUSTER, GATEWAY, TOKEN)).isEmpty();
        assertThat(Redirects.toPublic("http://10.1.2.3:9090/ui/", CLUSTER, GATEWAY, TOKEN)).isEmpty();
        assertThat(Redirects.toPublic("https://10.1.2.3:8080/ui/", CLUSTER, GATEWAY, TOKEN)).isEmpty();
        assertThat(Redirects.toPublic("//10.1.2.4:8080/ui/", CLUSTER, GATEWAY, TOKEN)).isEmpty();
        assertThat(Redirects.toPublic("not a uri at all", CLUSTER, GATEWAY, TOKEN)).isEmpty();
        assertThat(Redirects.toPublic("http://10.1.2.3/ui/", Cluster.of(ClusterId.of("b"), URI.create("http://10.1.2.3"), RoutingGroup.of("adhoc")), GATEWAY, TOKEN))
                .hasValue("https://gateway.example/sb/trino-a~abc/ui/");
    }
}
