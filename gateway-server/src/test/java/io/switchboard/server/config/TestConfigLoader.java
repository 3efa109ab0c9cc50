package io.switchboard.server.config;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.switchboard.core.RoutingGroup;

import java.time.Duration;
import org.junit.jupiter.api.Test;

final class TestConfigLoader
{
    private final ConfigLoader loader = new ConfigLoader();

    @Test
    void readsTheMinimalContractWithDefaults()
            throws InvalidConfigException
    {
        GatewayConfig config = parse("""
                server:
                  listen: 127.0.0.1:8080
                  public-uri: http://127.0.0.1:8080
                admin:
                  listen: 127.0.0.1:8081
                clusters:
                  - id: trino-a
                    uri: http://127.0.0.1:18080
                    routing-group: adhoc
                """);

        assertThat(config.server().listen()).isEqualTo(new HostAndPort("127.0.0.1", 8080));
        assertThat(config.server().configuredPublicUri()).hasValueSatisfying(uri -> assertThat(uri.toString()).isEqualTo("http://127.0.0.1:8080"));
        assertThat(config.health().interval()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.defaultGroup()).isEqualTo(RoutingGroup.of("adhoc"));
        assertThat(config.clusters().get(0).forwardHeaders()).isFalse();
    }

    @Test
    void theEmbeddedDefaultIsValid()
            throws InvalidConfigException
    {
        GatewayConfig config = loader.loadEmbeddedDefault();

        assertThat(config.clusters()).hasSize(2);
    }

    @Test
    void readsDurationsAndSizes()
            throws InvalidConfigException
    {
        GatewayConfig config = parse("""
                server:
                  max-request-body: 2MB
                health:
                  interval: 500ms
                backend:
                  response-timeout: 2m
                  idle-purge-interval: 250ms
                  max-connections: 64
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """);

        assertThat(config.server().maxRequestBody().bytes()).isEqualTo(2 * 1024 * 1024);
        assertThat(config.health().interval()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.backend().responseTimeout()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.backend().idlePurgeInterval()).isEqualTo(Duration.ofMillis(250));
        assertThat(config.backend().maxConnections()).isEqualTo(64);
    }

    @Test
    void namesTheFieldOfAnInvalidUri()
    {
        assertInvalid("""
                clusters:
                  - id: trino-a
                    uri: not a uri
                    routing-group: adhoc
                """, "clusters[0].uri");
        assertInvalid("""
                clusters:
                  - id: trino-a
                    uri: ftp://h:1
                    routing-group: adhoc
                """, "clusters[0].uri: must be an http or https URI");
    }

    @Test
    void namesMissingAndInvalidFields()
    {
        assertInvalid("""
                clusters:
                  - uri: http://h:1
                    routing-group: adhoc
                """, "clusters[0].id: is required");
        assertInvalid("""
                clusters:
                  - id: Bad Id
                    uri: http://h:1
                    routing-group: adhoc
                """, "clusters[0].id: invalid cluster id");
        assertInvalid("""
                server:
                  listen: localhost
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """, "server.listen: expected host:port");
        assertInvalid("""
                health:
                  interval: soon
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """, "health.interval: expected a duration");
        assertInvalid("server: {}\n", "clusters: at least one cluster is required");
        assertInvalid("""
                backend:
                  idle-purge-interval: 0s
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """, "backend.idle-purge-interval: must be positive");
        assertInvalid("""
                backend:
                  max-connections: 0
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """, "backend.max-connections: must be at least 1");
        assertInvalid("""
                routing:
                  query-map-size: 1000000000
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """, "routing.query-map-size: must be at most 536870912");
        assertInvalid("""
                admin:
                  query-history: 1000000000
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """, "admin.query-history: must be at most 536870912");
    }

    @Test
    void refusesUnknownFieldsAndDuplicates()
    {
        assertInvalid("""
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g, colour: red}
                """, "clusters[0].colour: unknown field 'colour'");
        assertInvalid("""
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                  - {id: a, uri: "http://h:2", routing-group: g}
                """, "clusters[1].id: duplicate cluster id 'a'");
    }

    @Test
    void readsShadowSettingsWithDefaults()
            throws InvalidConfigException
    {
        GatewayConfig config = parse("""
                routing:
                  groups:
                    adhoc: {shadow: {cluster: trino-next, sample-percent: 12.5, statement-kinds: [select, with]}}
                    bi: {shadow: {cluster: trino-next}}
                shadow:
                  max-concurrent-queries: 2
                  max-bytes: 1MB
                clusters:
                  - {id: trino-a, uri: "http://h:1", routing-group: adhoc}
                  - {id: bi-1, uri: "http://h:3", routing-group: bi}
                  - {id: trino-next, uri: "http://h:2", routing-group: adhoc, shadow: true}
                """);

        assertThat(config.routing().groups().get("adhoc").shadow()).isEqualTo(new GroupShadowConfig("trino-next", 12.5, java.util.List.of("select", "with")));
        assertThat(config.routing().groups().get("bi").shadow().samplePercent()).isEqualTo(100.0);
        assertThat(config.routing().groups().get("bi").shadow().statementKinds()).containsExactly("select", "with", "values", "table", "show", "describe", "explain");
        assertThat(config.shadow().maxConcurrentQueries()).isEqualTo(2);
        assertThat(config.shadow().maxBytes().bytes()).isEqualTo(1024 * 1024);
        assertThat(config.shadow().maxResultBytes().bytes()).isEqualTo(256 * 1024 * 1024);
        assertThat(config.shadow().maxDuration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(parse("clusters: [{id: a, uri: \"http://h:1\", routing-group: g}]").routing().groups()).isEmpty();
    }

    @Test
    void namesTheFieldOfAnInvalidShadowSetting()
    {
        String clusters = """
                clusters:
                  - {id: trino-a, uri: "http://h:1", routing-group: adhoc}
                  - {id: trino-next, uri: "http://h:2", routing-group: adhoc, shadow: true}
                """;
        assertInvalid("routing: {groups: {adhoc: {shadow: {cluster: nowhere}}}}\n" + clusters, "routing.groups.adhoc.shadow.cluster: no cluster 'nowhere'");
        assertInvalid("routing: {groups: {adhoc: {shadow: {cluster: trino-a}}}}\n" + clusters, "routing.groups.adhoc.shadow.cluster: cluster 'trino-a' is not marked shadow: true");
        assertInvalid("routing: {groups: {adhoc: {shadow: {sample-percent: 5}}}}\n" + clusters, "routing.groups.adhoc.shadow.cluster: is required");
        assertInvalid("routing: {groups: {adhoc: {shadow: {cluster: trino-next, sample-percent: 101}}}}\n" + clusters,
                "routing.groups.adhoc.shadow.sample-percent: must be between 0 and 100");
        assertInvalid("routing: {groups: {adhoc: {shadow: {cluster: trino-next, statement-kinds: [select, insert]}}}}\n" + clusters,
                "routing.groups.adhoc.shadow.statement-kinds[1]: 'insert' cannot be mirrored");
        assertInvalid("routing: {groups: {adhoc: {shadow: {cluster: trino-next, statement-kinds: []}}}}\n" + clusters,
                "routing.groups.adhoc.shadow.statement-kinds: must name at least one kind");
        assertInvalid("shadow: {max-concurrent-queries: 0}\n" + clusters, "shadow.max-concurrent-queries: must be between 1 and 1000");
        assertInvalid("shadow: {max-duration: 10ms}\n" + clusters, "shadow.max-duration: must be at least 1s");
        assertInvalid("shadow: {colour: red}\n" + clusters, "shadow.colour: unknown field 'colour'");
    }

    @Test
    void theTransportIsAutoUnlessNamed()
            throws InvalidConfigException
    {
        String clusters = "clusters:\n  - {id: a, uri: \"http://h:1\", routing-group: g}\n";

        assertThat(parse(clusters).server().transport()).isEqualTo("auto");
        assertThat(parse("server: {transport: epoll}\n" + clusters).server().transport()).isEqualTo("epoll");
        assertInvalid("server: {transport: kqueue}\n" + clusters, "server.transport: must be one of [auto, io_uring, epoll, nio], got 'kqueue'");
    }

    @Test
    void refusesBrokenYamlWithTheLine()
    {
        assertInvalid("clusters: [\n  - {id: a\n", "not valid YAML at line");
    }

    @Test
    void consulDiscoveryNeedsNoClustersButADefaultGroupAndAService()
            throws InvalidConfigException
    {
        GatewayConfig config = parse("""
                routing: {default-group: adhoc, rules: [{name: etl, match: {source: airflow}, group: etl}]}
                discovery:
                  source: consul
                  consul: {address: "127.0.0.1:8500", service: trino}
                """);

        assertThat(config.discovery().fromConsul()).isTrue();
        assertThat(config.clusters()).isEmpty();
        assertThat(config.defaultGroup()).isEqualTo(RoutingGroup.of("adhoc"));
        assertThat(config.discovery().consul().maxWait()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.discovery().consul().stateKeyPrefix()).isEqualTo("switchboard/cluster-state/");
        assertThat(config.discovery().consul().sharedState()).isTrue();
        assertThat(config.discovery().consul().register().enabled()).isTrue();
        assertThat(config.discovery().consul().register().service()).isEqualTo("switchboard");
        assertThat(config.discovery().consul().cacheFile()).isNull();
    }

    @Test
    void consulsCacheFileIsAPath()
            throws InvalidConfigException
    {
        GatewayConfig config = parse("""
                routing: {default-group: adhoc}
                discovery:
                  source: consul
                  consul: {service: trino, cache-file: /var/lib/switchboard/consul-clusters.json}
                """);

        assertThat(config.discovery().consul().cacheFile()).isEqualTo(java.nio.file.Path.of("/var/lib/switchboard/consul-clusters.json"));
    }

    @Test
    void withoutDiscoveryTheClustersListIsTheSource()
            throws InvalidConfigException
    {
        GatewayConfig config = parse("""
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: g}
                """);

        assertThat(config.discovery().fromConsul()).isFalse();
        assertThat(config.discovery().consul()).isNull();
    }

    @Test
    void consulMistakesNameTheirField()
    {
        assertInvalid("discovery: {source: consul}\nrouting: {default-group: adhoc}\n", "discovery.consul: is required when source is consul");
        assertInvalid("discovery: {source: consul, consul: {address: \"127.0.0.1:8500\"}}\nrouting: {default-group: adhoc}\n",
                "discovery.consul.service: is required when source is consul");
        assertInvalid("discovery: {source: zookeeper}\n", "discovery.source: must be one of [static, consul], got 'zookeeper'");
        assertInvalid("discovery: {source: consul, consul: {service: trino}}\n", "routing.default-group: is required with discovery.source: consul");
        assertInvalid("""
                routing: {default-group: adhoc}
                discovery: {source: consul, consul: {service: trino}}
                clusters:
                  - {id: a, uri: "http://h:1", routing-group: adhoc}
                """, "clusters: must be empty with discovery.source: consul, where the clusters are the instances of Consul service 'trino'");
        assertInvalid("discovery: {source: consul, consul: {service: trino, max-wait: 20m}}\nrouting: {default-group: adhoc}\n",
                "discovery.consul.max-wait: must be between 1s and 10m");
        assertInvalid("discovery: {source: consul, consul: {service: trino, state-key-prefix: /states}}\nrouting: {default-group: adhoc}\n",
                "discovery.consul.state-key-prefix: must end with '/' and not start with one");
        assertInvalid("discovery: {source: consul, consul: {service: trino, address: \"ftp://consul:21\"}}\nrouting: {default-group: adhoc}\n",
                "discovery.consul.address: not an http or https address of a Consul agent");
        assertInvalid("discovery: {source: consul, consul: {service: trino, register: {deregister-critical-after: 10s}}}\nrouting: {default-group: adhoc}\n",
                "discovery.consul.register.deregister-critical-after: must be at least 1m");
        assertInvalid("server: {}\n", "clusters: at least one cluster is required, unless they come from Consul (discovery.source: consul)");
    }

    private GatewayConfig parse(String yaml)
            throws InvalidConfigException
    {
        return loader.parse(yaml.getBytes(UTF_8), "test.yaml");
    }

    private void assertInvalid(String yaml, String expected)
    {
        assertThatThrownBy(() -> parse(yaml))
                .isInstanceOf(InvalidConfigException.class)
                .hasMessageStartingWith("test.yaml: ")
                .hasMessageContaining(expected)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n"));
    }
}
