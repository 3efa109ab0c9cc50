package io.switchboard.bench;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.ScheduledFuture;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Many Trino clients at once, each with one query in flight that it polls at a fixed pace, as a fleet of dashboards
 * and notebooks does: every client opens its own connection to the gateway, submits a statement, then GETs the
 * latest {@code nextUri} every interval until the measured window ends, and finally cancels its query with a DELETE.
 *
 * <p>Every answer is checked: HTTP status, the query id, a RUNNING/QUEUED state and a {@code nextUri} that points back
 * at the gateway. Non-200 answers, wrong bodies, socket errors, closed connections and requests unanswered within
 * the timeout are errors. With {@code --gateway-pid} the gateway's RSS, open files and CPU are sampled every second
 * from {@code /proc}; with {@code --admin} the gateway's own in-flight count is read at the end of the window and
 * after the cancels.
 *
 * <p>Prints progress lines, a summary, and one {@code RESULT key=value ...} line for scripts; exits 0 when every
 * check passed, 1 when one failed and 2 on bad arguments.
 */
public final class ConcurrentPollers
{
    private static final long MIB = 1024 * 1024;
    private static final byte[] STATEMENT = "SELECT * FROM tpch.sf1.orders".getBytes(UTF_8);
    private static final Pattern IN_FLIGHT = Pattern.compile("\"inFlightThroughGateway\"\\s*:\\s*(\\d+)");

    // options
    private URI gateway;
    private String admin;
    private int connections = 10_000;
    private double durationSeconds = 60;
    private double intervalSeconds = 1;
    private double rampSeconds = -1;
    private double warmupSeconds = 10;
    private double timeoutSeconds = 10;
    private int threads = 2;
    private long gatewayPid = -1;
    private int users = 200;
    private boolean cancel = true;
    private double rssLimitMib = 256;
    private long clockTicks = 100;
    private double reportEverySeconds = 5;

    // shared state, written from the event loops
    private final LongAdder connected = new LongAdder();
    private final LongAdder submitted = new LongAdder();
    private final LongAdder pollsSent = new LongAdder();
    private final LongAdder pollsOk = new LongAdder();
    private final LongAdder pollsInWindow = new LongAdder();
    private final LongAdder pollsLate = new LongAdder();
    private final LongAdder pollsFailed = new LongAdder();
    private final LongAdder cancelled = new LongAdder();
    private final LongAdder errors = new LongAdder();
    private final Map<String, LongAdder> errorsByKind = new ConcurrentHashMap<>();
    private final List<String> errorSamples = new CopyOnWriteArrayList<>();
    private final Histogram submitLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(120), 3);
    private final Histogram pollLatency = new ConcurrentHistogram(TimeUnit.SECONDS.toMicros(120), 3);
    private volatile boolean measuring;
    private volatile boolean stopping;
    private CountDownLatch finished;

    // gateway process samples
    private final AtomicLong peakRssKb = new AtomicLong();
    private final AtomicLong peakFds = new AtomicLong();
    private volatile long lastRssKb;
    private volatile long lastFds;

    public static void main(String[] args)
            throws Exception
    {
        ConcurrentPollers pollers = new ConcurrentPollers();
        try {
            pollers.parse(args);
        }
        catch (RuntimeException e) {
            System.err.println("ConcurrentPollers: " + e.getMessage());
            System.err.println("usage: ConcurrentPollers --url http://HOST:PORT [--connections N] [--duration SECS] [--interval SECS] [--ramp SECS]\n"
                    + "       [--warmup SECS] [--timeout SECS] [--threads N] [--users N] [--gateway-pid PID] [--admin http://HOST:PORT] [--no-cancel]\n"
                    + "       [--rss-limit-mib MIB] [--clock-ticks HZ] [--report-every SECS]");
            System.exit(2);
        }
        System.exit(pollers.run() ? 0 : 1);
    }

    private void parse(String[] args)
    {
        for (int i = 0; i < args.length; i++) {
            String option = args[i];
            if (option.equals("--no-cancel")) {
                cancel = false;
                continue;
            }
            if (i + 1 >= args.length) {
                throw new IllegalArgumentException("missing value for " + option);
            }
            String value = args[++i];
            switch (option) {
                case "--url" -> gateway = URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
                case "--admin" -> admin = value.endsWith("/") ? value.substring(0, value.length() - 1) : value;
                case "--connections" -> connections = Integer.parseInt(value);
                case "--duration" -> durationSeconds = Double.parseDouble(value);
                case "--interval" -> intervalSeconds = Double.parseDouble(value);
                case "--ramp" -> rampSeconds = Double.parseDouble(value);
                case "--warmup" -> warmupSeconds = Double.parseDouble(value);
                case "--timeout" -> timeoutSeconds = Double.parseDouble(value);
                case "--threads" -> threads = Integer.parseInt(value);
                case "--users" -> users = Integer.parseInt(value);
                case "--gateway-pid" -> gatewayPid = Long.parseLong(value);
                case "--rss-limit-mib" -> rssLimitMib = Double.parseDouble(value);
                case "--clock-ticks" -> clockTicks = Long.parseLong(value);
                case "--report-every" -> reportEverySeconds = Double.parseDouble(value);
                default -> throw new IllegalArgumentException("unknown option " + option);
            }
        }
        if (gateway == null || gateway.getHost() == null || gateway.getPort() < 0) {
            throw new IllegalArgumentException("--url http://HOST:PORT of the gateway is required");
        }
        if (connections < 1 || durationSeconds <= 0 || intervalSeconds <= 0 || timeoutSeconds <= 0 || threads < 1 || users < 1) {
            throw new IllegalArgumentException("connections, duration, interval, timeout, threads and users must be positive");
        }
        if (rampSeconds < 0) {
            // about 1,000 new connections a second, and at least one interval so that the polls spread evenly
            rampSeconds = Math.max(intervalSeconds, connections / 1000.0);
        }
    }

    private boolean run()
            throws Exception
    {
        boolean epoll = Epoll.isAvailable();
        IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(threads, new DefaultThreadFactory("poller", true), factory);
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channel(epoll ? EpollSocketChannel.class : NioSocketChannel.class)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) (timeoutSeconds * 1000))
                .handler(new ChannelInitializer<Channel>()
                {
                    @Override
                    protected void initChannel(Channel channel)
                    {
                        channel.pipeline()
                                .addLast("codec", new HttpClientCodec())
                                .addLast("aggregator", new HttpObjectAggregator(16 * 1024 * 1024));
                    }
                });
        finished = new CountDownLatch(connections);
        ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor(runnable -> {
            Thread thread = new Thread(runnable, "sampler");
            thread.setDaemon(true);
            return thread;
        });
        if (gatewayPid > 0) {
            sampler.scheduleAtFixedRate(this::sample, 0, 1, TimeUnit.SECONDS);
        }
        System.out.printf(Locale.ROOT, "== %,d clients through %s: submit, then poll nextUri every %.1f s; %.0f s measured after a %.0f s ramp-up and %.0f s warm-up (%s, %d threads)%n",
                connections, gateway, intervalSeconds, durationSeconds, rampSeconds, warmupSeconds, epoll ? "epoll" : "nio", threads);

        long start = System.nanoTime();
        // ramp: connections opened at an even pace, so their polls are spread over the interval
        long rampNanos = (long) (rampSeconds * 1e9);
        int opened = 0;
        long nextReport = start + (long) (reportEverySeconds * 1e9);
        while (opened < connections) {
            long elapsed = System.nanoTime() - start;
            int due = elapsed >= rampNanos ? connections : (int) Math.min(connections, (double) elapsed / rampNanos * connections + 1);
            for (; opened < due; opened++) {
                open(bootstrap, opened);
            }
            nextReport = maybeReport(start, nextReport, "ramp");
            Thread.sleep(5);
        }
        // every client submitted (or failed) before the window opens
        long submitDeadline = System.nanoTime() + (long) (timeoutSeconds * 1e9) + 1_000_000_000L;
        while (submitted.sum() + errors.sum() < connections && System.nanoTime() < submitDeadline) {
            nextReport = maybeReport(start, nextReport, "ramp");
            Thread.sleep(10);
        }
        // then a warm-up at full load: the gateway's JIT and pools settle, and the ramp's backlog drains
        long warmupEnd = System.nanoTime() + (long) (warmupSeconds * 1e9);
        while (System.nanoTime() < warmupEnd) {
            nextReport = maybeReport(start, nextReport, "warm-up");
            Thread.sleep(10);
        }
        long windowStart = System.nanoTime();
        long cpuAtWindowStart = gatewayCpuTicks();
        long ownCpuAtWindowStart = cpuTicks("self");
        long pollsAtWindowStart = pollsOk.sum();
        long errorsAtWindowStart = errors.sum();
        long activeAtWindowStart = finished.getCount();
        measuring = true;
        long windowEnd = windowStart + (long) (durationSeconds * 1e9);
        while (System.nanoTime() < windowEnd) {
            nextReport = maybeReport(start, nextReport, "measuring");
            Thread.sleep(Math.max(1, Math.min(100, (windowEnd - System.nanoTime()) / 1_000_000)));
        }
        measuring = false;
        long windowNanos = System.nanoTime() - windowStart;
        long cpuAtWindowEnd = gatewayCpuTicks();
        long ownCpuInWindow = cpuTicks("self") - ownCpuAtWindowStart;
        long clientsPolling = finished.getCount();
        OptionalLong inFlightAtEnd = adminInFlight();
        stopping = true;
        finished.await((long) ((intervalSeconds + timeoutSeconds) * 1000) + 5_000, TimeUnit.MILLISECONDS);
        // polls sent in the window and answered after it still count
        long pollsInWindowTotal = pollsInWindow.sum();
        OptionalLong inFlightAfterCancel = cancel ? adminInFlight() : OptionalLong.empty();
        if (gatewayPid > 0) {
            sample();
        }
        sampler.shutdownNow();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();

        double expected = activeAtWindowStart * (windowNanos / 1e9) / intervalSeconds;
        long errorsInWindow = errors.sum() - errorsAtWindowStart;
        long unanswered = pollsSent.sum() - pollsOk.sum() - pollsFailed.sum();
        long hwmKb = gatewayPid > 0 ? procStatusKb("VmHWM:") : 0;
        long peakRss = Math.max(peakRssKb.get(), hwmKb);
        double cpuSeconds = (double) (cpuAtWindowEnd - cpuAtWindowStart) / clockTicks;
        double pollsPerSecond = pollsInWindowTotal / (windowNanos / 1e9);

        System.out.println();
        System.out.printf(Locale.ROOT, "== Result (window %.1f s)%n", windowNanos / 1e9);
        System.out.printf(Locale.ROOT, "   clients: %,d opened, %,d connected, %,d submitted, %,d still polling at the end of the window%n",
                connections, connected.sum(), submitted.sum(), clientsPolling);
        System.out.printf(Locale.ROOT, "   polls sent in the window: %,d served of %,.0f expected (%.1f%%), %,.0f polls/s; %,d polls in all, %,d sent late (> 10%% of the interval)%n",
                pollsInWindowTotal, expected, expected == 0 ? 0 : 100.0 * pollsInWindowTotal / expected, pollsPerSecond, pollsOk.sum(), pollsLate.sum());
        System.out.printf(Locale.ROOT, "   latency: poll p50 %s, p99 %s, max %s; submit (during the ramp-up, gateway JIT still cold) p50 %s, p99 %s%n",
                micros(pollLatency.getValueAtPercentile(50)), micros(pollLatency.getValueAtPercentile(99)), micros(pollLatency.getMaxValue()),
                micros(submitLatency.getValueAtPercentile(50)), micros(submitLatency.getValueAtPercentile(99)));
        System.out.printf(Locale.ROOT, "   errors: %,d%s%n", errors.sum(), errorsByKind.isEmpty() ? "" : " " + describeErrors());
        for (String sample : errorSamples) {
            System.out.println("     e.g. " + sample);
        }
        if (cancel) {
            System.out.printf(Locale.ROOT, "   cancels: %,d queries cancelled with DELETE nextUri%n", cancelled.sum());
        }
        if (gatewayPid > 0) {
            System.out.printf(Locale.ROOT, "   gateway: peak RSS %.1f MiB (VmHWM since start %.1f MiB), peak open files %,d, CPU in window %.1f s = %.1f us/poll (%.0f%% of a core)%n",
                    peakRss / 1024.0, hwmKb / 1024.0, peakFds.get(), cpuSeconds,
                    pollsInWindowTotal == 0 ? 0 : cpuSeconds * 1e6 / pollsInWindowTotal, 100 * cpuSeconds / (windowNanos / 1e9));
        }
        System.out.printf(Locale.ROOT, "   load generator: CPU in window %.1f s (%.0f%% of a core); machine load average now %s%n",
                (double) ownCpuInWindow / clockTicks, 100.0 * ownCpuInWindow / clockTicks / (windowNanos / 1e9), loadAverage());
        if (inFlightAtEnd.isPresent()) {
            System.out.printf(Locale.ROOT, "   gateway in-flight count (admin API): %,d at the end of the window%s%n", inFlightAtEnd.getAsLong(),
                    inFlightAfterCancel.isPresent() ? String.format(Locale.ROOT, ", %,d after the cancels", inFlightAfterCancel.getAsLong()) : "");
        }

        boolean allSubmitted = submitted.sum() == connections;
        boolean allServed = errors.sum() == 0 && unanswered == 0 && pollsInWindowTotal >= 0.98 * expected;
        boolean rssOk = gatewayPid <= 0 || peakRss / 1024.0 <= rssLimitMib;
        boolean pass = allSubmitted && allServed && rssOk && clientsPolling == connections;
        StringBuilder reasons = new StringBuilder();
        if (!allSubmitted) {
            reasons.append(" not-all-submitted");
        }
        if (clientsPolling != connections) {
            reasons.append(" clients-lost");
        }
        if (errors.sum() > 0) {
            reasons.append(" errors");
        }
        if (unanswered != 0) {
            reasons.append(" unanswered-polls");
        }
        if (pollsInWindowTotal < 0.98 * expected) {
            reasons.append(" polls-below-98%-of-expected");
        }
        if (!rssOk) {
            reasons.append(" rss-over-").append((long) rssLimitMib).append("MiB");
        }
        System.out.printf(Locale.ROOT, "RESULT connections=%d submitted=%d polling_at_end=%d polls_in_window=%d polls_expected=%.0f polls_per_s=%.1f polls_total=%d "
                        + "polls_late=%d errors=%d errors_in_window=%d unanswered=%d poll_p50_us=%d poll_p99_us=%d poll_max_us=%d submit_p50_us=%d submit_p99_us=%d "
                        + "cancelled=%d peak_rss_kb=%d hwm_kb=%d peak_fds=%d cpu_us_per_poll=%.1f in_flight_at_end=%s in_flight_after_cancel=%s window_s=%.1f verdict=%s reasons=%s%n",
                connections, submitted.sum(), clientsPolling, pollsInWindowTotal, expected, pollsPerSecond, pollsOk.sum(),
                pollsLate.sum(), errors.sum(), errorsInWindow, unanswered,
                pollLatency.getValueAtPercentile(50), pollLatency.getValueAtPercentile(99), pollLatency.getMaxValue(),
                submitLatency.getValueAtPercentile(50), submitLatency.getValueAtPercentile(99),
                cancelled.sum(), peakRss, hwmKb, peakFds.get(), pollsInWindowTotal == 0 ? 0 : cpuSeconds * 1e6 / pollsInWindowTotal,
                inFlightAtEnd.isPresent() ? inFlightAtEnd.getAsLong() : "-", inFlightAfterCancel.isPresent() ? inFlightAfterCancel.getAsLong() : "-",
                windowNanos / 1e9, pass ? "PASS" : "FAIL", reasons.length() == 0 ? "-" : reasons.toString().trim().replace(' ', ','));
        return pass;
    }

    private void open(Bootstrap bootstrap, int index)
    {
        Poller poller = new Poller(index);
        ChannelFuture future = bootstrap.connect(gateway.getHost(), gateway.getPort());
        future.addListener((ChannelFutureListener) connect -> {
            if (!connect.isSuccess()) {
                poller.fail("connect", describe(connect.cause()));
                return;
            }
            connected.increment();
            connect.channel().pipeline().addLast("poller", poller);
            poller.start(connect.channel());
        });
    }

    private long maybeReport(long start, long nextReport, String phase)
    {
        long now = System.nanoTime();
        if (now < nextReport) {
            return nextReport;
        }
        System.out.printf(Locale.ROOT, "  [+%3.0fs %-9s] connected %,d/%,d  submitted %,d  polls %,d  errors %,d%s%n",
                (now - start) / 1e9, phase, connected.sum(), connections, submitted.sum(), pollsOk.sum(), errors.sum(),
                gatewayPid > 0 ? String.format(Locale.ROOT, "  | gateway RSS %.0f MiB, %,d open files", lastRssKb / 1024.0, lastFds) : "");
        return nextReport + (long) (reportEverySeconds * 1e9);
    }

    private String describeErrors()
    {
        StringBuilder text = new StringBuilder("(");
        errorsByKind.forEach((kind, count) -> text.append(text.length() > 1 ? ", " : "").append(kind).append(' ').append(count.sum()));
        return text.append(')').toString();
    }

    private void error(String kind, String detail)
    {
        errors.increment();
        errorsByKind.computeIfAbsent(kind, ignored -> new LongAdder()).increment();
        if (errorSamples.size() < 5) {
            errorSamples.add(kind + ": " + detail);
        }
    }

    private void sample()
    {
        long rss = procStatusKb("VmRSS:");
        lastRssKb = rss;
        peakRssKb.accumulateAndGet(rss, Math::max);
        try (Stream<Path> fds = Files.list(Path.of("/proc/" + gatewayPid + "/fd"))) {
            long count = fds.count();
            lastFds = count;
            peakFds.accumulateAndGet(count, Math::max);
        }
        catch (IOException | RuntimeException e) {
            // the gateway is gone or /proc is not readable; the RSS sample says so already
        }
    }

    private long procStatusKb(String key)
    {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + gatewayPid + "/status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
                }
            }
        }
        catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** utime + stime of the gateway in clock ticks, -1 when unknown. */
    private long gatewayCpuTicks()
    {
        return gatewayPid <= 0 ? -1 : cpuTicks(Long.toString(gatewayPid));
    }

    /** utime + stime of a process ({@code self} is this one) in clock ticks, -1 when unknown. */
    private static long cpuTicks(String process)
    {
        try {
            String stat = Files.readString(Path.of("/proc/" + process + "/stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
        }
        catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** The gateway's own count of queries in flight, summed over clusters, from its admin API. */
    private OptionalLong adminInFlight()
    {
        if (admin == null) {
            return OptionalLong.empty();
        }
        try {
            HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
            HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create(admin + "/v1/gateway/clusters")).timeout(Duration.ofSeconds(10))
                            .header("Authorization", "Bearer " + System.getenv().getOrDefault("SWITCHBOARD_ADMIN_TOKEN", "")).build(),
                    HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return OptionalLong.empty();
            }
            long total = 0;
            Matcher matcher = IN_FLIGHT.matcher(response.body());
            while (matcher.find()) {
                total += Long.parseLong(matcher.group(1));
            }
            return OptionalLong.of(total);
        }
        catch (IOException e) {
            return OptionalLong.empty();
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return OptionalLong.empty();
        }
    }

    private static String loadAverage()
    {
        try {
            String[] fields = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return fields[0] + " " + fields[1] + " " + fields[2];
        }
        catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    private static String micros(long value)
    {
        return value >= 10_000 ? String.format(Locale.ROOT, "%.1f ms", value / 1000.0) : value + " us";
    }

    private static String describe(Throwable cause)
    {
        if (cause == null) {
            return "";
        }
        return cause.getClass().getSimpleName() + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    }

    /** The first string value of a JSON field, found by text: the stub's and the gateway's pages are flat enough. */
    static String field(String body, String name)
    {
        String key = "\"" + name + "\":\"";
        int at = body.indexOf(key);
        if (at < 0) {
            return null;
        }
        int start = at + key.length();
        int end = body.indexOf('"', start);
        return end < 0 ? null : body.substring(start, end);
    }

    private enum Step { SUBMIT, POLL, CANCEL }

    /** One client: its connection, its query and its pace. Used only from its channel's event loop. */
    private final class Poller
            extends SimpleChannelInboundHandler<FullHttpResponse>
    {
        private final int index;
        private final String user;
        private final long intervalNanos = (long) (intervalSeconds * 1e9);
        private Channel channel;
        private String queryId;
        private String nextPath;
        private Step outstanding;
        private long sentNanos;
        private boolean sentInWindow;
        private long dueNanos;
        private ScheduledFuture<?> timeout;
        private boolean done;

        Poller(int index)
        {
            this.index = index;
            this.user = "user_" + index % users;
        }

        void start(Channel channel)
        {
            this.channel = channel;
            send(Step.SUBMIT, HttpMethod.POST, "/v1/statement");
        }

        private void send(Step step, HttpMethod method, String path)
        {
            FullHttpRequest request = step == Step.SUBMIT
                    ? new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path, Unpooled.wrappedBuffer(STATEMENT))
                    : new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, path);
            request.headers()
                    .set(HttpHeaderNames.HOST, gateway.getHost() + ":" + gateway.getPort())
                    .set("X-Trino-User", user)
                    .set("X-Trino-Source", "switchboard-bench-pollers")
                    .set(HttpHeaderNames.USER_AGENT, "StatementClientV1/476");
            if (step == Step.SUBMIT) {
                request.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8").setInt(HttpHeaderNames.CONTENT_LENGTH, STATEMENT.length);
            }
            outstanding = step;
            sentNanos = System.nanoTime();
            sentInWindow = measuring;
            if (step == Step.POLL) {
                pollsSent.increment();
            }
            timeout = channel.eventLoop().schedule(() -> fail("timeout", step + " " + path + " unanswered after " + timeoutSeconds + " s"),
                    (long) (timeoutSeconds * 1e9), TimeUnit.NANOSECONDS);
            channel.writeAndFlush(request).addListener(written -> {
                if (!written.isSuccess()) {
                    fail("socket", "write failed: " + describe(written.cause()));
                }
            });
        }

        @Override
        protected void channelRead0(ChannelHandlerContext context, FullHttpResponse response)
        {
            if (done) {
                return;
            }
            long now = System.nanoTime();
            timeout.cancel(false);
            Step step = outstanding;
            outstanding = null;
            long latencyMicros = (now - sentNanos) / 1000;
            int status = response.status().code();
            if (step == Step.CANCEL) {
                if (status / 100 != 2) {
                    fail("http " + status, "DELETE " + nextPath + " answered " + status);
                    return;
                }
                cancelled.increment();
                finish();
                return;
            }
            String body = response.content().toString(UTF_8);
            if (status != 200) {
                fail("http " + status, step + " answered " + status + ": " + abbreviate(body));
                return;
            }
            String id = field(body, "id");
            String next = field(body, "nextUri");
            String state = field(body, "state");
            String problem = null;
            if (id == null || (queryId != null && !queryId.equals(id))) {
                problem = "query id " + id + " instead of " + queryId;
            }
            else if (next == null) {
                problem = "no nextUri: the query ended (state " + state + ")";
            }
            else if (!next.startsWith(gateway + "/")) {
                problem = "nextUri does not point at the gateway: " + next;
            }
            else if (!next.contains(id)) {
                problem = "nextUri does not name the query: " + next;
            }
            else if (!"RUNNING".equals(state) && !"QUEUED".equals(state)) {
                problem = "state " + state;
            }
            if (problem != null) {
                fail("wrong body", step + ": " + problem);
                return;
            }
            nextPath = next.substring(gateway.toString().length());
            if (step == Step.SUBMIT) {
                queryId = id;
                submitLatency.recordValue(latencyMicros);
                submitted.increment();
                dueNanos = now + intervalNanos;
            }
            else {
                pollLatency.recordValue(latencyMicros);
                pollsOk.increment();
                if (sentInWindow) {
                    // counted by when it was sent: answers that a stall delayed into the window are not counted twice
                    pollsInWindow.increment();
                }
            }
            scheduleNext(now);
        }

        private void scheduleNext(long now)
        {
            long delay = dueNanos - now;
            if (delay <= 0) {
                fire();
            }
            else {
                channel.eventLoop().schedule(this::fire, delay, TimeUnit.NANOSECONDS);
            }
        }

        private void fire()
        {
            if (done || outstanding != null) {
                return;
            }
            if (stopping) {
                if (cancel) {
                    send(Step.CANCEL, HttpMethod.DELETE, nextPath);
                }
                else {
                    finish();
                }
                return;
            }
            long now = System.nanoTime();
            if (now - dueNanos > intervalNanos / 10) {
                pollsLate.increment();
            }
            // a fixed pace: a late poll goes at once, and missed beats are skipped rather than caught up in a burst
            long next = dueNanos + intervalNanos;
            dueNanos = next < now ? now + intervalNanos : next;
            send(Step.POLL, HttpMethod.GET, nextPath);
        }

        @Override
        public void channelInactive(ChannelHandlerContext context)
        {
            if (!done) {
                fail("closed", "the gateway closed the connection" + (outstanding == null ? " between requests" : " during " + outstanding));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext context, Throwable cause)
        {
            fail("socket", describe(cause));
        }

        void fail(String kind, String detail)
        {
            if (done) {
                return;
            }
            done = true;
            if (outstanding == Step.POLL) {
                pollsFailed.increment();
            }
            error(kind, "client " + index + (queryId == null ? "" : " query " + queryId) + ": " + detail);
            if (timeout != null) {
                timeout.cancel(false);
            }
            if (channel != null) {
                channel.close();
            }
            finished.countDown();
        }

        private void finish()
        {
            done = true;
            channel.close();
            finished.countDown();
        }

        private String abbreviate(String body)
        {
            String flat = body.replace('\n', ' ');
            return flat.length() > 200 ? flat.substring(0, 200) + "..." : flat;
        }
    }
}
