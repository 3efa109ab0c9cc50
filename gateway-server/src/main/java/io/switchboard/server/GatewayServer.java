package io.switchboard.server;

import static java.nio.charset.StandardCharsets.UTF_8;
import static java.util.Objects.requireNonNull;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ClassLoaderMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.switchboard.core.ClusterId;
import io.switchboard.core.ReadOnlyStatement;
import io.switchboard.core.RoutingGroup;
import io.switchboard.core.protocol.QueryResultsErrors;
import io.switchboard.core.protocol.RoutingTokenCodec;
import io.switchboard.routing.ClusterAdministration;
import io.switchboard.routing.ClusterRegistry;
import io.switchboard.routing.HealthChecker;
import io.switchboard.routing.QueryAffinity;
import io.switchboard.routing.QueryHistory;
import io.switchboard.routing.QueryLocator;
import io.switchboard.routing.GroupSettings;
import io.switchboard.routing.LoadProber;
import io.switchboard.routing.LoadTracker;
import io.switchboard.routing.OutlierDetector;
import io.switchboard.routing.Router;
import io.switchboard.routing.WorkerShutdown;
import io.switchboard.routing.policy.LeastLoadedPolicy;
import io.switchboard.routing.policy.Policies;
import io.switchboard.routing.shadow.ShadowClient;
import io.switchboard.routing.shadow.ShadowGroup;
import io.switchboard.routing.shadow.ShadowLimits;
import io.switchboard.routing.shadow.ShadowMirror;
import io.switchboard.routing.state.FileClusterStateStore;
import io.switchboard.core.spi.ClusterDiscovery;
import io.switchboard.core.spi.ClusterStateStore;
import io.switchboard.routing.discovery.DiscoveryUpdates;
import io.switchboard.routing.discovery.StaticDiscovery;
import io.switchboard.server.consul.ConsulParts;
import io.switchboard.server.admin.AdminHandler;
import io.switchboard.server.admin.ConfigReloader;
import io.switchboard.server.config.ConfigLoader;
import io.switchboard.server.config.GatewayConfig;
import io.switchboard.server.config.InvalidConfigException;
import io.switchboard.server.config.QueueConfig;
import io.switchboard.routing.admission.GatewayQueue;
import io.switchboard.server.proxy.Admission;
import io.switchboard.server.config.RoutingConfig;
import io.switchboard.server.metrics.GatewayMetrics;
import io.switchboard.server.config.RuleConfig;
import io.switchboard.server.metrics.ShadowMetrics;
import io.switchboard.server.shadow.ShadowTap;
import io.switchboard.server.proxy.GatewayQueryIds;
import io.switchboard.server.proxy.ProxyContext;
import io.switchboard.server.proxy.ProxyServer;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The composition root: builds every part of the gateway from its configuration, starts and stops them. */
public final class GatewayServer
        implements AutoCloseable, ConfigReloader
{
    private static final Logger log = LoggerFactory.getLogger(GatewayServer.class);
    /** Used when the config names no secret: tokens then only detect corruption. Documented in the README. */
    private static final String BUILT_IN_TOKEN_SECRET = "switchboard-built-in-routing-token-key";
    static final String TOKEN_SECRET_ENVIRONMENT = "SWITCHBOARD_TOKEN_SECRET";
    static final String ADMIN_TOKEN_ENVIRONMENT = "SWITCHBOARD_ADMIN_TOKEN";

    private final Optional<Path> configFile;
    private final RandomGenerator random = () -> ThreadLocalRandom.current().nextLong();
    private volatile GatewayConfig config;
    private ConfigWatcher watcher;
    private final Transport transport;
    private final EventLoopGroup acceptGroup;
    private final EventLoopGroup workerGroup;
    private final ScheduledExecutorService scheduler;
    private final HttpClient httpClient;
    private final ExecutorService adminExecutor = Executors.newSingleThreadExecutor(runnable -> {
        Thread thread = new Thread(runnable, "switchboard-admin");
        thread.setDaemon(true);
        return thread;
    });
    private final ClusterRegistry registry;
    private final HealthChecker healthChecker;
    private final LoadTracker loadTracker;
    private final LoadProber loadProber;
    private final Router router;
    private final QueryHistory history;
    private final ClusterAdministration administration;
    private final Optional<ConsulParts> consul;
    private final ClusterStateStore stateStore;
    private final ClusterDiscovery discovery;
    private final DiscoveryUpdates discoveryUpdates;
    private final QueryAffinity affinity;
    private final QueryLocator locator;
    private final Admission admission;
    private final Optional<String> adminToken;
    private final PrometheusMeterRegistry meterRegistry;
    private final GatewayMetrics metrics;
    private final ProxyServer proxyServer;
    private final ExecutorService shadowExecutor;
    private final ShadowMirror shadowMirror;
    private final ObjectMapper objectMapper = new ObjectMapper()
            .registerModule(new JavaTimeModule())
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    private Channel adminChannel;
    private InetSocketAddress proxyAddress;
    private InetSocketAddress adminAddress;

    public GatewayServer(GatewayConfig config, Map<String, String> environment)
    {
        this(config, Optional.empty(), environment);
    }

    /**
     * @param configFile where the configuration came from: reloads read it again, and it is watched for changes
     */
    public GatewayServer(GatewayConfig config, Optional<Path> configFile, Map<String, String> environment)
    {
        this.config = requireNonNull(config, "config is null");
        this.configFile = requireNonNull(configFile, "configFile is null");
        int threads = config.server().ioThreads() > 0 ? config.server().ioThreads() : Runtime.getRuntime().availableProcessors();
        Transport.EventLoops loops = Transport.open(config.server().transport(), threads);
        this.transport = loops.transport();
        this.acceptGroup = loops.acceptGroup();
        this.workerGroup = loops.workerGroup();
        this.scheduler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "switchboard-probes");
            thread.setDaemon(true);
            return thread;
        });
        this.httpClient = HttpClient.newBuilder()
                .connectTimeout(config.backend().connectTimeout())
                .sslContext(TlsContexts.backendJdk(config.backend().configuredTls()))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        Clock clock = Clock.systemUTC();
        this.consul = Optional.ofNullable(config.discovery().consul()).map(consulConfig -> ConsulParts.connect(consulConfig, environment));
        // with Consul discovery the registry starts empty and fills from the first answer of Consul
        this.registry = new ClusterRegistry(config.discovery().fromConsul() ? List.of() : config.clusterList());
        this.loadTracker = new LoadTracker(config.routing().inFlightExpiry(), config.routing().queryMapSize(), System::nanoTime, scheduler);
        this.router = new Router(registry, routerSettings(config, random), loadTracker, clock);
        this.loadProber = new LoadProber(registry, loadTracker, httpClient, objectMapper, scheduler, config.health().interval(), config.health().timeout(), clock);
        this.history = new QueryHistory(config.admin().queryHistory());
        FileClusterStateStore stateFile = new FileClusterStateStore(config.admin().stateFile(), objectMapper);
        this.stateStore = consul.filter(parts -> config.discovery().consul().sharedState()).map(parts -> parts.stateStore(stateFile, clock)).orElse(stateFile);
        this.administration = new ClusterAdministration(registry, stateStore, loadTracker);
        this.discovery = config.discovery().fromConsul() ? consul.orElseThrow().discovery(config.defaultGroup(), clock) : new StaticDiscovery(config.clusterList(), clock.instant());
        this.discoveryUpdates = new DiscoveryUpdates(administration, registry, this::clustersChanged, clock);
        this.adminToken = Optional.ofNullable(environment.getOrDefault(ADMIN_TOKEN_ENVIRONMENT, config.admin().token())).filter(token -> !token.isBlank());
        this.meterRegistry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        bindJvmAndNettyMetrics(meterRegistry);
        this.metrics = new GatewayMetrics(meterRegistry, registry, loadTracker, config.metrics().userLabels());
        metrics.registerSourceGauges("discovery", discovery::status);
        metrics.registerSourceGauges("state-store", stateStore::status);
        OutlierDetector outliers = new OutlierDetector(registry,
                new OutlierDetector.Settings(config.outlier().consecutiveFailures(), config.outlier().baseEjection(), config.outlier().maxEjection()), clock,
                metrics::ejection);
        HealthChecker.Settings health = new HealthChecker.Settings(config.health().interval(), config.health().timeout(), config.health().healthyThreshold(), config.health().unhealthyThreshold());
        this.healthChecker = new HealthChecker(registry, httpClient, objectMapper, scheduler, health, clock, discoveryUpdates::failing);
        String secret = environment.getOrDefault(TOKEN_SECRET_ENVIRONMENT, config.routing().tokenSecret() != null ? config.routing().tokenSecret() : BUILT_IN_TOKEN_SECRET);
        JsonFactory jsonFactory = new JsonFactory();
        this.affinity = new QueryAffinity(config.routing().queryMapSize(), config.routing().queryMapSize(), Duration.ofHours(6));
        this.locator = new QueryLocator(registry, httpClient, config.routing().locateTimeout());
        QueueConfig queue = config.routing().queue();
        this.admission = new Admission(
                new GatewayQueue.Settings(queue.maxQueued(), queue.maxQueuedPerUser(), queue.maxWait(), queue.abandonAfter()),
                queue.pollWait(),
                config.routing().limits().toSettings(),
                router,
                metrics,
                clock);
        this.shadowExecutor = Executors.newFixedThreadPool(2, runnable -> {
            Thread thread = new Thread(runnable, "switchboard-shadow");
            thread.setDaemon(true);
            return thread;
        });
        HttpClient shadowHttp = HttpClient.newBuilder()
                .executor(shadowExecutor)
                .connectTimeout(config.backend().connectTimeout())
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        ShadowLimits shadowLimits = new ShadowLimits(config.shadow().maxConcurrentQueries(), config.shadow().maxBytes().bytes(), config.shadow().maxResultBytes().bytes(),
                config.shadow().maxDuration(), config.backend().responseTimeout(), config.shadow().reportSize());
        ShadowMetrics shadowMetrics = new ShadowMetrics(meterRegistry);
        this.shadowMirror = new ShadowMirror(registry, new ShadowClient(shadowHttp, jsonFactory, shadowExecutor, shadowLimits.requestTimeout(), shadowLimits.maxResultBytes()),
                shadowLimits, shadowGroups(config), shadowMetrics, clock, random);
        shadowMetrics.bind(shadowMirror);
        ProxyContext context = new ProxyContext(
                registry,
                router,
                loadTracker,
                outliers,
                history,
                metrics,
                clock,
                affinity,
                locator,
                new RoutingTokenCodec(secret.getBytes(UTF_8)),
                jsonFactory,
                new QueryResultsErrors(jsonFactory),
                new GatewayQueryIds(clock),
                config.server().configuredPublicUri(),
                config.server().listen().toString(),
                config.backend().responseTimeout(),
                config.server().maxPipelinedRequests(),
                config.routing().maxSubmitAttempts(),
                admission,
                new ShadowTap(shadowMirror));
        this.proxyServer = new ProxyServer(config.server(), config.backend(), context, transport, acceptGroup, workerGroup);
    }

    public void start()
            throws InterruptedException, IOException
    {
        administration.restore();
        stateStore.watch(administration::applyStoredStates);
        discovery.start(discoveryUpdates::apply);
        awaitFirstDiscovery();
        CompletableFuture<Void> firstHealthRound = healthChecker.start();
        loadProber.start();
        admission.start();
        shadowMirror.start(scheduler);
        awaitFirstVerdicts(firstHealthRound);
        proxyAddress = proxyServer.start();
        ServerBootstrap admin = new ServerBootstrap()
                .group(acceptGroup, workerGroup)
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_REUSEADDR, true)
                .childHandler(new ChannelInitializer<Channel>()
                {
                    private final AdminHandler handler = new AdminHandler(
                            new AdminHandler.Services(registry, router, loadTracker, administration, history, affinity, locator, httpClient, adminToken,
                                    GatewayServer.this, new WorkerShutdown(httpClient, objectMapper, Duration.ofSeconds(10)), meterRegistry,
                                    config.metrics().requireToken(), adminExecutor, Clock.systemUTC(), shadowMirror, discovery::status, stateStore::status),
                            objectMapper);

                    @Override
                    protected void initChannel(Channel channel)
                    {
                        channel.pipeline()
                                .addLast("codec", new HttpServerCodec())
                                .addLast("aggregator", new HttpObjectAggregator(64 * 1024))
                                .addLast("admin", handler);
                    }
                });
        adminChannel = admin.bind(config.admin().listen().host(), config.admin().listen().port()).sync().channel();
        adminAddress = (InetSocketAddress) adminChannel.localAddress();
        consul.ifPresent(parts -> parts.register(proxyAddress, adminAddress, config.server().configuredPublicUri(), Clock.systemUTC()));
        if (configFile.isPresent()) {
            watcher = new ConfigWatcher(configFile.get(), this::reload);
            watcher.start();
        }
        log.info("event=started proxy={}://{} admin=http://{} transport={} clusters={} default_group={} discovery={}",
                proxyScheme(), hostPort(proxyAddress), hostPort(adminAddress), transport.label(), registry.snapshot().clusters().size(), config.defaultGroup(),
                config.discovery().fromConsul() ? "consul " + consul.orElseThrow().address() + " service " + config.discovery().consul().service() : "static");
    }

    /**
     * Reads the configuration file again and swaps clusters and routing at once. A file that does not load or
     * validate is refused with the reason, and the running configuration stays.
     */
    @Override
    public synchronized Outcome reload()
    {
        if (configFile.isEmpty()) {
            return new Outcome(false, "the gateway runs on the embedded default configuration: there is no file to reload", List.of());
        }
        GatewayConfig next;
        try {
            next = new ConfigLoader().load(configFile.get());
        }
        catch (InvalidConfigException e) {
            log.warn("event=config_reload_refused reason=\"{}\"", e.getMessage());
            return new Outcome(false, "refused, the running configuration stays: " + e.getMessage(), List.of());
        }
        GatewayConfig current = config;
        List<String> needRestart = new ArrayList<>();
        if (!next.server().equals(current.server())) {
            needRestart.add("server");
        }
        if (!next.admin().equals(current.admin())) {
            needRestart.add("admin");
        }
        if (!next.health().equals(current.health())) {
            needRestart.add("health");
        }
        if (!next.backend().equals(current.backend())) {
            needRestart.add("backend");
        }
        if (!next.outlier().equals(current.outlier())) {
            needRestart.add("outlier");
        }
        if (!next.shadow().equals(current.shadow())) {
            needRestart.add("shadow");
        }
        if (!next.discovery().equals(current.discovery())) {
            needRestart.add("discovery");
        }
        RoutingConfig routing = next.routing();
        RoutingConfig swappable = new RoutingConfig(routing.defaultGroup(), routing.rules(), routing.groups(), routing.allowGroupHeader(), routing.panicThreshold(),
                current.routing().maxSubmitAttempts(), current.routing().tokenSecret(), current.routing().queryMapSize(), current.routing().locateTimeout(),
                current.routing().inFlightExpiry(), current.routing().queue(), routing.limits());
        if (!swappable.equals(routing)) {
            needRestart.add("routing (token-secret, query-map-size, locate-timeout, in-flight-expiry, max-submit-attempts, queue)");
        }
        try {
            // clusters Consul discovers are Consul's to change, not the file's
            if (!current.discovery().fromConsul() && !next.discovery().fromConsul()) {
                administration.replaceClusters(next.clusterList());
            }
        }
        catch (IOException e) {
            return new Outcome(false, "refused, the running configuration stays: cannot read admin states: " + e.getMessage(), List.of());
        }
        router.reconfigure(routerSettings(next, random));
        admission.reconfigure(next.routing().limits().toSettings());
        shadowMirror.reconfigure(shadowGroups(next));
        config = next;
        metrics.registerClusterGauges();
        String message = "applied: " + registry.snapshot().clusters().size() + " clusters, " + next.routing().rules().size() + " rules, default group " + next.defaultGroup();
        log.info("event=config_reloaded clusters={} rules={} need_restart={}", registry.snapshot().clusters().size(), next.routing().rules().size(), needRestart);
        return new Outcome(true, message, needRestart);
    }

    /**
     * The first health round probes the clusters known when it starts: with Consul discovery those are the clusters of
     * Consul's first answer, so it is awaited, for at most the health timeout plus a second. A Consul that does not
     * answer by then leaves the gateway on its cached clusters, or none, until it does.
     */
    private void awaitFirstDiscovery()
            throws InterruptedException
    {
        awaitStartUpStep(discovery.firstAnswer(), "event=first_discovery_incomplete reason=\"{}\" action=\"taking clients on the clusters known so far\"");
    }

    /**
     * Clients are taken only once every configured cluster has its first health verdict, or the health timeout
     * passed: a gateway that opened its port first would refuse the queries of its first milliseconds for want of a
     * healthy cluster.
     */
    private void awaitFirstVerdicts(CompletableFuture<Void> firstHealthRound)
            throws InterruptedException
    {
        // clusters without a verdict keep their unknown state and are probed again each interval
        awaitStartUpStep(firstHealthRound, "event=first_health_round_incomplete reason=\"{}\"");
    }

    /** Waits for a step of start-up for at most the health timeout plus a second, and logs {@code warning} if it is not done. */
    private void awaitStartUpStep(CompletableFuture<Void> step, String warning)
            throws InterruptedException
    {
        try {
            step.get(config.health().timeout().toMillis() + 1000, TimeUnit.MILLISECONDS);
        }
        catch (TimeoutException | ExecutionException e) {
            log.warn(warning, e.toString());
        }
    }

    /** After discovery changed the clusters: probe the new ones now, and give them gauges. */
    private void clustersChanged()
    {
        metrics.registerClusterGauges();
        healthChecker.probeAll();
    }

    private static void bindJvmAndNettyMetrics(MeterRegistry registry)
    {
        new ClassLoaderMetrics().bindTo(registry);
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(registry);
    }

    private static Router.Settings routerSettings(GatewayConfig config, RandomGenerator random)
    {
        Map<RoutingGroup, GroupSettings> groups = new LinkedHashMap<>();
        config.routing().groups().forEach((name, group) -> groups.put(RoutingGroup.of(name), new GroupSettings(
                RoutingGroup.of(name),
                Policies.named(group.policy(), random),
                Optional.ofNullable(group.fallback()).map(RoutingGroup::of),
                group.holdWhenFull())));
        return new Router.Settings(
                config.defaultGroup(),
                config.routing().rules().stream().map(RuleConfig::toRule).toList(),
                groups,
                group -> new GroupSettings(group, new LeastLoadedPolicy(random), Optional.empty()),
                config.routing().allowGroupHeader(),
                config.routing().panicThreshold());
    }

    private static Map<RoutingGroup, ShadowGroup> shadowGroups(GatewayConfig config)
    {
        Map<RoutingGroup, ShadowGroup> groups = new LinkedHashMap<>();
        config.routing().groups().forEach((name, group) -> {
            if (group.shadow() != null) {
                groups.put(RoutingGroup.of(name), new ShadowGroup(RoutingGroup.of(name), ClusterId.of(group.shadow().cluster()), group.shadow().samplePercent(),
                        group.shadow().statementKinds().stream().map(kind -> ReadOnlyStatement.ofConfigName(kind).orElseThrow()).collect(java.util.stream.Collectors.toSet())));
            }
        });
        return groups;
    }

    /** The socket layer the gateway runs on, chosen by {@code server.transport}. */
    public Transport transport()
    {
        return transport;
    }

    public InetSocketAddress proxyAddress()
    {
        return proxyAddress;
    }

    public InetSocketAddress adminAddress()
    {
        return adminAddress;
    }

    /** Tells a supervisor where the gateway listens: written whole, then renamed, so a reader never sees half of it. */
    public void writeReadyFile(Path file)
            throws IOException
    {
        Map<String, String> ready = new LinkedHashMap<>();
        ready.put("proxy", proxyScheme() + "://" + hostPort(proxyAddress));
        ready.put("admin", "http://" + hostPort(adminAddress));
        Path absolute = file.toAbsolutePath();
        Path temporary = absolute.resolveSibling(absolute.getFileName() + ".tmp");
        Files.write(temporary, objectMapper.writeValueAsBytes(ready));
        Files.move(temporary, absolute, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    @Override
    public void close()
    {
        log.info("event=stopping");
        if (watcher != null) {
            watcher.close();
        }
        // first out of Consul, so that no one is sent to a replica that is going away
        consul.ifPresent(ConsulParts::close);
        discovery.close();
        healthChecker.close();
        loadProber.close();
        proxyServer.stop();
        admission.close();
        shadowMirror.close();
        shadowExecutor.shutdownNow();
        if (adminChannel != null) {
            adminChannel.close().syncUninterruptibly();
        }
        io.netty.util.concurrent.Future<?> accept = acceptGroup.shutdownGracefully(0, 2, TimeUnit.SECONDS);
        io.netty.util.concurrent.Future<?> workers = workerGroup.shutdownGracefully(0, 5, TimeUnit.SECONDS);
        scheduler.shutdownNow();
        adminExecutor.shutdownNow();
        // bounded: a stop must never hang a supervisor's SIGTERM
        boolean stopped = accept.awaitUninterruptibly(7, TimeUnit.SECONDS) & workers.awaitUninterruptibly(7, TimeUnit.SECONDS);
        log.info("event=stopped clean={}", stopped);
    }

    private String proxyScheme()
    {
        return config.server().configuredTls().isPresent() ? "https" : "http";
    }

    /** Client connections open now. */
    public int openProxyConnections()
    {
        return proxyServer.openConnections();
    }

    private static String hostPort(InetSocketAddress address)
    {
        String host = address.getAddress().getHostAddress();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }
}
