package io.switchboard.routing;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.switchboard.core.Cluster;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ClusterLoad;
import io.switchboard.core.LoadProbeKind;
import io.switchboard.core.RoutingGroup;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

final class TestLoadProber
{
    private final LoadProber prober = new LoadProber(new ClusterRegistry(List.of()), new LoadTracker(Duration.ofMinutes(1), 10), HttpClient.newHttpClient(),
            new ObjectMapper(), Executors.newSingleThreadScheduledExecutor(), Duration.ofSeconds(1), Duration.ofSeconds(1), Clock.systemUTC());

    @Test
    void readsTrinoOpenMetrics()
            throws IOException
    {
        String metrics = """
                # TYPE trino_execution_name_QueryManager_QueuedQueries gauge
                trino_execution_name_QueryManager_QueuedQueries 3.0
                # TYPE trino_execution_name_QueryManager_RunningQueries gauge
                trino_execution_name_QueryManager_RunningQueries 7.0
                trino_execution_name_QueryManager_RunningQueriesTotal 99.0
                """;

        ClusterLoad load = prober.parse(cluster(LoadProbeKind.TRINO_METRICS), metrics.getBytes(UTF_8));

        assertThat(load.queued()).isEqualTo(3);
        assertThat(load.running()).isEqualTo(7);
    }

    @Test
    void readsTrinoJmxAndPrestoCluster()
            throws IOException
    {
        String jmx = """
                {"objectName":"trino.execution:name=QueryManager","attributes":[
                {"name":"QueuedQueries","type":"long","value":2},{"name":"RunningQueries","type":"long","value":5}]}""";
        String presto = """
                {"runningQueries":4,"blockedQueries":1,"queuedQueries":6,"activeWorkers":3}""";

        assertThat(prober.parse(cluster(LoadProbeKind.TRINO_JMX), jmx.getBytes(UTF_8)).total()).isEqualTo(7);
        ClusterLoad prestoLoad = prober.parse(cluster(LoadProbeKind.PRESTO_CLUSTER), presto.getBytes(UTF_8));
        assertThat(prestoLoad.queued()).isEqualTo(6);
        assertThat(prestoLoad.running()).isEqualTo(5);
    }

    @Test
    void refusesAnswersWithoutTheCounts()
    {
        assertThatThrownBy(() -> prober.parse(cluster(LoadProbeKind.TRINO_METRICS), "jvm_memory 1.0\n".getBytes(UTF_8))).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> prober.parse(cluster(LoadProbeKind.PRESTO_CLUSTER), "{}".getBytes(UTF_8))).isInstanceOf(IOException.class);
    }

    private static Cluster cluster(LoadProbeKind probe)
    {
        return new Cluster(ClusterId.of("c"), URI.create("http://c:1"), RoutingGroup.of("g"), false, 1, 10, probe, false);
    }
}
