package io.switchboard.routing.consul;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.LoadProbeKind;
import io.switchboard.core.RoutingGroup;
import org.kiwiproject.consul.model.health.ServiceHealth;
import org.kiwiproject.consul.util.Jackson;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Service instances, in the JSON shape of Consul's /v1/health/service, become clusters. */
final class TestServiceInstances
{
    private static final RoutingGroup DEFAULT = RoutingGroup.of("adhoc");

    @Test
    void serviceMetaGivesEverySetting()
            throws IOException
    {
        ServiceInstances.Result result = map(instance("trino-1", "10.0.0.7", 8080, """
                {"cluster-id": "etl-1", "routing-group": "etl", "weight": "3", "capacity": "250", "load-probe": "trino-jmx", "shadow": "true",
                 "forward-headers": "true", "scheme": "https"}""", "[]", "passing"));

        assertThat(result.problems()).isEmpty();
        assertThat(result.clusters()).containsExactly(new Cluster(ClusterId.of("etl-1"), URI.create("https://10.0.0.7:8080"), RoutingGroup.of("etl"), true, 3, 250,
                LoadProbeKind.TRINO_JMX, true));
        assertThat(result.failing()).isEmpty();
    }

    @Test
    void withoutMetaTheInstanceIdAndTheDefaultsApply()
            throws IOException
    {
        ServiceInstances.Result result = map(instance("trino-1", "10.0.0.7", 8080, "{}", "[]", "passing"));

        assertThat(result.clusters()).containsExactly(Cluster.of(ClusterId.of("trino-1"), URI.create("http://10.0.0.7:8080"), DEFAULT));
    }

    @Test
    void tagsGiveWhatTheMetaLacksAndMetaWins()
            throws IOException
    {
        ServiceInstances.Result result = map(instance("trino-1", "10.0.0.7", 8080, "{\"capacity\": \"50\"}", "[\"routing-group=bi\", \"capacity=10\", \"shadow\", \"primary\"]",
                "passing"));

        Cluster cluster = result.clusters().get(0);
        assertThat(cluster.routingGroup()).isEqualTo(RoutingGroup.of("bi"));
        assertThat(cluster.capacity()).isEqualTo(50);
        assertThat(cluster.shadow()).isTrue();
    }

    @Test
    void anInstanceWithoutAddressUsesItsNodesAddress()
            throws IOException
    {
        ServiceInstances.Result result = map(instance("trino-1", "", 8080, "{}", "[]", "passing"));

        assertThat(result.clusters().get(0).uri()).isEqualTo(URI.create("http://192.168.1.20:8080"));
    }

    @Test
    void anInstanceWhoseCheckIsNotPassingIsAFailingCluster()
            throws IOException
    {
        ServiceInstances.Result result = map(instance("trino-1", "10.0.0.7", 8080, "{}", "[]", "critical"), instance("trino-2", "10.0.0.8", 8080, "{}", "[]", "warning"));

        assertThat(result.clusters()).extracting(Cluster::id).containsExactly(ClusterId.of("trino-1"), ClusterId.of("trino-2"));
        assertThat(result.failing().get(ClusterId.of("trino-1"))).isEqualTo("Consul check 'service:trino-1' is critical: HTTP GET http://10.0.0.7:8080/v1/info: 503");
        assertThat(result.failing().get(ClusterId.of("trino-2"))).startsWith("Consul check 'service:trino-2' is warning");
    }

    @Test
    void invalidInstancesAreReportedAndLeftOut()
            throws IOException
    {
        ServiceInstances.Result result = map(
                instance("Trino_Upper", "10.0.0.7", 8080, "{}", "[]", "passing"),
                instance("trino-2", "10.0.0.8", 8080, "{\"capacity\": \"lots\"}", "[]", "passing"),
                instance("trino-3", "10.0.0.9", 8080, "{\"cluster-id\": \"trino-4\"}", "[]", "passing"),
                instance("trino-4", "10.0.0.10", 8080, "{}", "[]", "passing"),
                instance("trino-5", "10.0.0.11", 8080, "{\"load-probe\": \"jmx\"}", "[]", "passing"));

        assertThat(result.clusters()).extracting(Cluster::id).containsExactly(ClusterId.of("trino-4"));
        assertThat(result.problems()).containsExactly(
                "instance 'Trino_Upper' on node 'node-1': cluster-id: invalid cluster id 'Trino_Upper': expected lower-case letters, digits, '-' or '_' (at most 63) (set ServiceMeta cluster-id)",
                "instance 'trino-2' on node 'node-1': capacity: must be a whole number from 1 to 2147483647, got 'lots'",
                "instance 'trino-4' on node 'node-1': cluster id 'trino-4' is taken by another instance",
                "instance 'trino-5' on node 'node-1': load-probe: must be trino-metrics, trino-jmx, presto-cluster or none, got 'jmx'");
    }

    @Test
    void consulsServiceWeightIsTheDefaultWeight()
            throws IOException
    {
        ServiceInstances.Result result = map(instance("trino-1", "10.0.0.7", 8080, "{}", "[]", "passing").replace("\"Passing\": 1", "\"Passing\": 4"));

        assertThat(result.clusters().get(0).weight()).isEqualTo(4);
    }

    private static ServiceInstances.Result map(String... instances)
            throws IOException
    {
        List<ServiceHealth> parsed = Jackson.MAPPER.readValue("[" + String.join(",", instances) + "]", new TypeReference<List<ServiceHealth>>() {});
        return ServiceInstances.map(parsed, DEFAULT);
    }

    /** One entry of {@code GET /v1/health/service/trino}, as Consul's API documentation shows it. */
    private static String instance(String id, String address, int port, String meta, String tags, String status)
    {
        return """
                {
                  "Node": {"ID": "40e4a748-2192-161a-0510-9bf59fe950b5", "Node": "node-1", "Address": "192.168.1.20", "Datacenter": "dc1",
                           "TaggedAddresses": {"lan": "192.168.1.20", "wan": "10.0.10.10"}, "Meta": {"instance_type": "t2.medium"}},
                  "Service": {"ID": "%s", "Service": "trino", "Tags": %s, "Address": "%s", "TaggedAddresses": {}, "Meta": %s, "Port": %d,
                              "Weights": {"Passing": 1, "Warning": 1}, "EnableTagOverride": false, "Namespace": "default"},
                  "Checks": [
                    {"Node": "node-1", "CheckID": "serfHealth", "Name": "Serf Health Status", "Status": "passing", "Notes": "", "Output": "",
                     "ServiceID": "", "ServiceName": "", "ServiceTags": []},
                    {"Node": "node-1", "CheckID": "service:%s", "Name": "Service 'trino' check", "Status": "%s", "Notes": "",
                     "Output": "HTTP GET http://10.0.0.7:8080/v1/info: 503", "ServiceID": "%s", "ServiceName": "trino", "ServiceTags": []}
                  ]
                }""".formatted(id, tags, address, meta, port, id, status, id);
    }
}
