package io.switchboard.it;

import static java.util.Objects.requireNonNull;

import java.util.HashMap;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/** One gateway process per test class, over the shared Trino servers, failing the class on a crash or leak report. */
final class GatewayExtension
        implements BeforeAllCallback, AfterAllCallback
{
    private final String label;
    private final Function<TrinoServers, GatewayConfig> configFactory;
    private final boolean clustersHealthy;
    private TrinoServers trino;
    private GatewayProcess gateway;

    private GatewayExtension(String label, Function<TrinoServers, GatewayConfig> configFactory, boolean clustersHealthy)
    {
        this.label = requireNonNull(label, "label is null");
        this.configFactory = requireNonNull(configFactory, "configFactory is null");
        this.clustersHealthy = clustersHealthy;
    }

    /** Both shared Trino servers as the {@code adhoc} group. */
    static GatewayExtension overSharedTrino()
    {
        return overSharedTrino("gateway");
    }

    /** Both shared Trino servers as the {@code adhoc} group; {@code label} tells two gateways of one class apart. */
    static GatewayExtension overSharedTrino(String label)
    {
        return new GatewayExtension(label, GatewayConfig::adhocOver, true);
    }

    /**
     * A gateway with its own configuration over the shared Trino servers (routing rules, capacities, an admin token):
     * tests start once it reports every configured cluster healthy. {@code label} tells two gateways of one class apart.
     */
    static GatewayExtension over(String label, Function<TrinoServers, GatewayConfig> configFactory)
    {
        return new GatewayExtension(label, configFactory, true);
    }

    /** A gateway whose clusters are all down: tests start once the gateway has noticed, as a user would meet it. */
    static GatewayExtension overUnreachableClusters(Function<TrinoServers, GatewayConfig> configFactory)
    {
        return new GatewayExtension("gateway", configFactory, false);
    }

    @Override
    public void beforeAll(ExtensionContext context)
            throws Exception
    {
        trino = SharedTrinoServers.get(context);
        String name = context.getRequiredTestClass().getSimpleName() + "-" + label;
        gateway = GatewayProcess.start(name, configFactory.apply(trino));
        try {
            Map<String, Boolean> expected = new HashMap<>();
            gateway.config().clusterIds().forEach(id -> expected.put(id, clustersHealthy));
            gateway.awaitClusterHealth(expected);
        }
        catch (Exception | AssertionError e) {
            gateway.close();
            throw e;
        }
    }

    @Override
    public void afterAll(ExtensionContext context)
            throws Exception
    {
        if (gateway != null) {
            gateway.stopAndVerify();
        }
    }

    GatewayProcess gateway()
    {
        return requireNonNull(gateway, "the gateway starts before all tests of the class");
    }

    TrinoServers trino()
    {
        return requireNonNull(trino, "the Trino servers start before all tests of the class");
    }
}
