package io.switchboard.it;

import static java.util.Objects.requireNonNull;

import java.util.List;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/** Starts the two Trino coordinators once per test run and shares them with every test class through the root store. */
final class SharedTrinoServers
        implements ParameterResolver
{
    private static final ExtensionContext.Namespace NAMESPACE = ExtensionContext.Namespace.create(SharedTrinoServers.class);
    static final List<String> NAMES = List.of("trino-a", "trino-b");

    /** The shared servers, started on first use; a failed start is remembered so later classes fail fast with it. */
    static TrinoServers get(ExtensionContext context)
    {
        Startup startup = context.getRoot().getStore(NAMESPACE)
                .getOrComputeIfAbsent(Startup.class, key -> Startup.attempt(), Startup.class);
        return startup.servers();
    }

    @Override
    public boolean supportsParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
    {
        return parameterContext.getParameter().getType() == TrinoServers.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameterContext, ExtensionContext extensionContext)
    {
        return get(extensionContext);
    }

    /** Closed by JUnit with the root store (JUnit 5.14 closes AutoCloseable values; CloseableResource is deprecated). */
    private static final class Startup
            implements AutoCloseable
    {
        private final TrinoServers servers;
        private final RuntimeException failure;

        private Startup(TrinoServers servers, RuntimeException failure)
        {
            this.servers = servers;
            this.failure = failure;
        }

        static Startup attempt()
        {
            try {
                long starting = System.nanoTime();
                TrinoServers servers = TrinoServers.start(ItEnvironment.workDirectory().resolve("trino-instances"), NAMES);
                System.out.printf("Trino servers %s ran SELECT 1 %d s after launch%n", servers, (System.nanoTime() - starting) / 1_000_000_000);
                return new Startup(requireNonNull(servers, "servers is null"), null);
            }
            catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return new Startup(null, new IllegalStateException("interrupted while starting Trino", e));
            }
            catch (Exception e) {
                return new Startup(null, new IllegalStateException("the shared Trino servers did not start", e));
            }
        }

        TrinoServers servers()
        {
            if (failure != null) {
                throw failure;
            }
            return servers;
        }

        @Override
        public void close()
                throws InterruptedException
        {
            if (servers != null) {
                servers.close();
            }
        }
    }
}
