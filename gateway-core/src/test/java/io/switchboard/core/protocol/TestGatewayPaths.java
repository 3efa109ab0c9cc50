package io.switchboard.core.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import io.switchboard.core.QueryId;

import org.junit.jupiter.api.Test;

final class TestGatewayPaths
{
    @Test
    void splitsRoutedTargets()
    {
        assertThat(GatewayPaths.parseRouted("/sb/trino-a~abc/v1/statement/executing/q/s/1?x=1"))
                .contains(new GatewayPaths.Routed("trino-a~abc", "/v1/statement/executing/q/s/1?x=1"));
        assertThat(GatewayPaths.parseRouted("/sb//v1/statement")).isEmpty();
        assertThat(GatewayPaths.parseRouted("/sb/token-only")).isEmpty();
        assertThat(GatewayPaths.parseRouted("/v1/statement")).isEmpty();
    }

    @Test
    void splitsPollsOfQueriesQueuedAtTheGateway()
    {
        QueryId id = QueryId.of("20261126_101530_00042_gateway");
        String target = GatewayPaths.queuedTarget(id, "k3y", 7);

        assertThat(target).isEqualTo("/sb/queue/20261126_101530_00042_gateway/k3y/7");
        assertThat(GatewayPaths.parseQueued(target)).contains(new GatewayPaths.QueuedPoll(id, "k3y", 7));
        assertThat(GatewayPaths.parseQueued(target + "?x=1")).contains(new GatewayPaths.QueuedPoll(id, "k3y", 7));
        assertThat(GatewayPaths.parseQueued("/sb/queue/20261126_101530_00042_gateway/k3y")).isEmpty();
        assertThat(GatewayPaths.parseQueued("/sb/queue/20261126_101530_00042_gateway/k3y/x")).isEmpty();
        assertThat(GatewayPaths.parseQueued("/sb/queue/NOT-AN-ID/k3y/1")).isEmpty();
        assertThat(GatewayPaths.parseQueued("/sb/queue/20261126_101530_00042_gateway//1")).isEmpty();
        assertThat(GatewayPaths.parseQueued("/sb/trino-a~abc/v1/statement")).isEmpty();
    }

    @Test
    void extractsQueryIdsFromIdOnlyPaths()
    {
        QueryId id = QueryId.of("20261126_101530_00042_abcde");

        assertThat(GatewayPaths.queryIdOf("/v1/query/20261126_101530_00042_abcde", null)).contains(id);
        assertThat(GatewayPaths.queryIdOf("/v1/query/20261126_101530_00042_abcde/killed", null)).contains(id);
        assertThat(GatewayPaths.queryIdOf("/ui/api/query/20261126_101530_00042_abcde", null)).contains(id);
        assertThat(GatewayPaths.queryIdOf("/ui/query.html", "20261126_101530_00042_abcde")).contains(id);
        assertThat(GatewayPaths.queryIdOf("/ui/query.html", "id=20261126_101530_00042_abcde&x=1")).contains(id);
        assertThat(GatewayPaths.queryIdOf("/v1/statement/executing/20261126_101530_00042_abcde/y/1", null)).contains(id);
        assertThat(GatewayPaths.queryIdOf("/v1/query/NOT-AN-ID", null)).isEmpty();
        assertThat(GatewayPaths.queryIdOf("/v1/info", null)).isEmpty();
    }

    @Test
    void routedPathsAreLimitedAndClean()
    {
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/statement/executing/q/s/1")).isTrue();
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/spooled/download/abc")).isTrue();
        assertThat(GatewayPaths.isAllowedRoutedPath("/ui/query.html?q")).isTrue();
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/statement/../../v1/node")).isFalse();
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/statement/%2e%2e/x")).isFalse();
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/statement//x")).isFalse();
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/statement/..;/..;/v1/node")).isFalse();
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/statement/.;x/queued")).isFalse();
        assertThat(GatewayPaths.isAllowedRoutedPath("/v1/node")).isFalse();
    }

    @Test
    void publicUrisKeepPathAndQuery()
    {
        assertThat(PublicUris.toPublic("http://10.1.2.3:8080/v1/statement/queued/q/s/1?x=y", "https://gw", "t~m"))
                .isEqualTo("https://gw/sb/t~m/v1/statement/queued/q/s/1?x=y");
        assertThat(PublicUris.targetOf("http://host")).isEqualTo("/");
        assertThat(PublicUris.targetOf("/relative")).isEqualTo("/relative");
    }
}
