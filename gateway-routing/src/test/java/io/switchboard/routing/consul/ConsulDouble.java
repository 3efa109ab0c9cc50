package io.switchboard.routing.consul;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A stand-in for a Consul agent (and its one server) on 127.0.0.1, for tests on machines where Consul cannot be
 * installed. It serves the endpoints the gateway uses in the JSON shapes Consul documents, with Consul's rules:
 * blocking queries on {@code index} and {@code wait} (plus up to wait/16 of jitter), a per-resource
 * {@code X-Consul-Index}, 404 for a KV read that finds nothing, check-and-set writes answering {@code true} or
 * {@code false}, new checks critical until they pass, HTTP checks that it runs itself and TTL checks that expire.
 * Endpoints: {@code /v1/health/service/:name}, {@code /v1/catalog/service/:name}, {@code /v1/kv/:key},
 * {@code /v1/agent/service/register}, {@code /v1/agent/service/deregister/:id},
 * {@code /v1/agent/check/{pass,warn,fail}/:id}. Tests can make it fail (every request then gets 500, as a Consul
 * without a leader answers) and rewind its indexes (as after a snapshot restore).
 */
public final class ConsulDouble
        implements AutoCloseable
{
    public static final String NODE = "switchboard-double";
    public static final String DATACENTER = "dc1";
    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)");
    private static final Pattern META_KEY = Pattern.compile("[A-Za-z0-9_-]{1,128}");
    private static final Duration DEFAULT_WAIT = Duration.ofMinutes(5);
    private static final Duration MAXIMUM_WAIT = Duration.ofMinutes(10);

    private final ObjectMapper json = new ObjectMapper();
    private final HttpServer server;
    private final ExecutorService requests = Executors.newCachedThreadPool(daemon("consul-double-request"));
    private final ScheduledExecutorService checks = Executors.newSingleThreadScheduledExecutor(daemon("consul-double-checks"));
    private final HttpClient httpChecks = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Object lock = new Object();
    // everything below is guarded by lock
    private long index = 10;
    private long kvTableIndex = 10;
    private final Map<String, Service> services = new LinkedHashMap<>();
    private final Map<String, Long> serviceIndexes = new TreeMap<>();
    private final TreeMap<String, KvEntry> kv = new TreeMap<>();
    private final Map<String, Long> tombstones = new TreeMap<>();
    private boolean failing;
    private int requestCount;

    private static final class Service
    {
        String id;
        String name;
        List<String> tags;
        String address;
        int port;
        Map<String, String> meta;
        int passingWeight;
        int warningWeight;
        long createIndex;
        long modifyIndex;
        List<Check> checks = new ArrayList<>();
    }

    private static final class Check
    {
        String id;
        String name;
        String status;
        String output = "";
        String notes = "";
        URI http;
        Duration interval;
        Duration timeout;
        Duration ttl;
        long ttlDeadline;
        long createIndex;
        long modifyIndex;
    }

    private record KvEntry(byte[] value, long flags, long createIndex, long modifyIndex) {}

    private ConsulDouble(HttpServer server)
    {
        this.server = server;
    }

    public static ConsulDouble start()
            throws IOException
    {
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        ConsulDouble consul = new ConsulDouble(server);
        server.setExecutor(consul.requests);
        server.createContext("/", consul::handle);
        server.start();
        consul.checks.scheduleWithFixedDelay(consul::expireTtlChecks, 100, 100, TimeUnit.MILLISECONDS);
        return consul;
    }

    public URI address()
    {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** From now on every request, and every blocking query already waiting, answers 500 as a leaderless Consul does. */
    public void fail()
    {
        synchronized (lock) {
            failing = true;
            lock.notifyAll();
        }
    }

    public void recover()
    {
        synchronized (lock) {
            failing = false;
        }
    }

    /** Requests answered or refused so far. */
    public int requestCount()
    {
        synchronized (lock) {
            return requestCount;
        }
    }

    /**
     * Takes every index back by {@code by}, as a restore from an older snapshot does: waiting blocking queries see
     * indexes lower than the ones they asked for.
     */
    public void rewindIndexes(long by)
    {
        synchronized (lock) {
            index -= by;
            kvTableIndex -= by;
            serviceIndexes.replaceAll((name, value) -> Math.max(1, value - by));
            for (Service service : services.values()) {
                service.createIndex = Math.max(1, service.createIndex - by);
                service.modifyIndex = Math.max(1, service.modifyIndex - by);
            }
            kv.replaceAll((key, entry) -> new KvEntry(entry.value(), entry.flags(), Math.max(1, entry.createIndex() - by), Math.max(1, entry.modifyIndex() - by)));
            tombstones.replaceAll((key, value) -> Math.max(1, value - by));
            lock.notifyAll();
        }
    }

    /** The index the double would return for the health of {@code service}. */
    public long serviceIndex(String service)
    {
        synchronized (lock) {
            return serviceIndexes.getOrDefault(service, index);
        }
    }

    @Override
    public void close()
    {
        fail();
        server.stop(0);
        checks.shutdownNow();
        requests.shutdownNow();
    }

    private void handle(HttpExchange exchange)
            throws IOException
    {
        try (exchange) {
            String path = exchange.getRequestURI().getRawPath();
            Map<String, String> query = query(exchange.getRequestURI().getRawQuery());
            String method = exchange.getRequestMethod();
            byte[] body = exchange.getRequestBody().readAllBytes();
            synchronized (lock) {
                requestCount++;
                if (failing) {
                    send(exchange, 500, "text/plain", "rpc error making call: No cluster leader", -1);
                    return;
                }
            }
            if (path.startsWith("/v1/health/service/") && method.equals("GET")) {
                String name = decode(path.substring("/v1/health/service/".length()));
                blockingRead(exchange, query, () -> serviceIndexes.getOrDefault(name, index), () -> healthOf(name, query));
            }
            else if (path.startsWith("/v1/catalog/service/") && method.equals("GET")) {
                String name = decode(path.substring("/v1/catalog/service/".length()));
                blockingRead(exchange, query, () -> serviceIndexes.getOrDefault(name, index), () -> catalogOf(name));
            }
            else if (path.startsWith("/v1/kv/")) {
                kv(exchange, method, decode(path.substring("/v1/kv/".length())), query, body);
            }
            else if (path.equals("/v1/agent/service/register") && method.equals("PUT")) {
                register(exchange, body);
            }
            else if (path.startsWith("/v1/agent/service/deregister/") && method.equals("PUT")) {
                deregister(exchange, decode(path.substring("/v1/agent/service/deregister/".length())));
            }
            else if (path.matches("/v1/agent/check/(pass|warn|fail)/.+") && method.equals("PUT")) {
                String[] parts = path.split("/", 6);
                updateCheck(exchange, decode(parts[5]), switch (parts[4]) {
                    case "pass" -> "passing";
                    case "warn" -> "warning";
                    default -> "critical";
                }, query.getOrDefault("note", ""));
            }
            else if (path.startsWith("/v1/")) {
                send(exchange, method.equals("GET") || method.equals("PUT") || method.equals("DELETE") ? 404 : 405, "text/plain", "404 page not found", -1);
            }
            else {
                send(exchange, 404, "text/plain", "404 page not found", -1);
            }
        }
        catch (RuntimeException e) {
            send(exchange, 500, "text/plain", e.toString(), -1);
        }
    }

    @FunctionalInterface
    private interface IndexOf
    {
        long current();
    }

    @FunctionalInterface
    private interface Read
    {
        Optional<JsonNode> body();
    }

    /** Answers at once without {@code index}, otherwise once the resource's index passes it or the wait ends. */
    private void blockingRead(HttpExchange exchange, Map<String, String> query, IndexOf indexOf, Read read)
            throws IOException
    {
        long wanted;
        try {
            wanted = Long.parseLong(query.getOrDefault("index", "0"));
        }
        catch (NumberFormatException e) {
            send(exchange, 400, "text/plain", "Invalid index: " + query.get("index"), -1);
            return;
        }
        Duration wait = DEFAULT_WAIT;
        if (query.containsKey("wait")) {
            Optional<Duration> parsed = duration(query.get("wait"));
            if (parsed.isEmpty()) {
                send(exchange, 400, "text/plain", "Invalid wait time", -1);
                return;
            }
            wait = parsed.get().compareTo(MAXIMUM_WAIT) > 0 ? MAXIMUM_WAIT : parsed.get();
        }
        long jitter = wait.toMillis() / 16 == 0 ? 0 : ThreadLocalRandom.current().nextLong(wait.toMillis() / 16);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait.toMillis() + jitter);
        long resourceIndex;
        Optional<JsonNode> answer;
        synchronized (lock) {
            while (wanted > 0 && !failing && indexOf.current() <= wanted) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                if (left <= 0) {
                    break;
                }
                try {
                    lock.wait(left);
                }
                catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
            if (failing) {
                send(exchange, 500, "text/plain", "rpc error making call: No cluster leader", -1);
                return;
            }
            resourceIndex = Math.max(1, indexOf.current());
            answer = read.body();
        }
        if (answer.isEmpty()) {
            send(exchange, 404, "text/plain", "", resourceIndex);
            return;
        }
        send(exchange, 200, "application/json", json.writeValueAsString(answer.get()), resourceIndex);
    }

    private Optional<JsonNode> healthOf(String name, Map<String, String> query)
    {
        ArrayNode entries = json.createArrayNode();
        for (Service service : services.values()) {
            if (!service.name.equals(name) || (query.containsKey("tag") && !service.tags.contains(query.get("tag")))) {
                continue;
            }
            if (query.containsKey("passing") && !service.checks.stream().allMatch(check -> check.status.equals("passing"))) {
                continue;
            }
            ObjectNode entry = entries.addObject();
            entry.set("Node", node());
            entry.set("Service", serviceJson(service));
            ArrayNode checkList = entry.putArray("Checks");
            ObjectNode serf = checkList.addObject();
            serf.put("Node", NODE).put("CheckID", "serfHealth").put("Name", "Serf Health Status").put("Status", "passing").put("Notes", "")
                    .put("Output", "Agent alive and reachable").put("ServiceID", "").put("ServiceName", "").put("Type", "");
            serf.putArray("ServiceTags");
            serf.put("CreateIndex", 5).put("ModifyIndex", 5);
            for (Check check : service.checks) {
                ObjectNode node = checkList.addObject();
                node.put("Node", NODE).put("CheckID", check.id).put("Name", check.name).put("Status", check.status).put("Notes", check.notes)
                        .put("Output", check.output).put("ServiceID", service.id).put("ServiceName", service.name)
                        .put("Type", check.http != null ? "http" : check.ttl != null ? "ttl" : "");
                ArrayNode tags = node.putArray("ServiceTags");
                service.tags.forEach(tags::add);
                node.put("CreateIndex", check.createIndex).put("ModifyIndex", check.modifyIndex);
            }
        }
        return Optional.of(entries);
    }

    private Optional<JsonNode> catalogOf(String name)
    {
        ArrayNode entries = json.createArrayNode();
        for (Service service : services.values()) {
            if (!service.name.equals(name)) {
                continue;
            }
            ObjectNode entry = entries.addObject();
            entry.put("ID", "40e4a748-2192-161a-0510-9bf59fe950b5").put("Node", NODE).put("Address", "127.0.0.1").put("Datacenter", DATACENTER);
            entry.putObject("TaggedAddresses").put("lan", "127.0.0.1").put("wan", "127.0.0.1");
            entry.putObject("NodeMeta").put("consul-network-segment", "");
            entry.put("ServiceID", service.id).put("ServiceName", service.name);
            ArrayNode tags = entry.putArray("ServiceTags");
            service.tags.forEach(tags::add);
            entry.put("ServiceAddress", service.address).put("ServicePort", service.port);
            ObjectNode meta = entry.putObject("ServiceMeta");
            service.meta.forEach(meta::put);
            entry.putObject("ServiceWeights").put("Passing", service.passingWeight).put("Warning", service.warningWeight);
            entry.put("ServiceEnableTagOverride", false).put("CreateIndex", service.createIndex).put("ModifyIndex", service.modifyIndex);
        }
        return Optional.of(entries);
    }

    private ObjectNode node()
    {
        ObjectNode node = json.createObjectNode();
        node.put("ID", "40e4a748-2192-161a-0510-9bf59fe950b5").put("Node", NODE).put("Address", "127.0.0.1").put("Datacenter", DATACENTER);
        node.putObject("TaggedAddresses").put("lan", "127.0.0.1").put("wan", "127.0.0.1");
        node.putObject("Meta").put("consul-network-segment", "");
        node.put("CreateIndex", 5).put("ModifyIndex", 5);
        return node;
    }

    private ObjectNode serviceJson(Service service)
    {
        ObjectNode node = json.createObjectNode();
        node.put("ID", service.id).put("Service", service.name);
        ArrayNode tags = node.putArray("Tags");
        service.tags.forEach(tags::add);
        node.put("Address", service.address);
        ObjectNode meta = node.putObject("Meta");
        service.meta.forEach(meta::put);
        node.put("Port", service.port);
        node.putObject("Weights").put("Passing", service.passingWeight).put("Warning", service.warningWeight);
        node.put("EnableTagOverride", false).put("CreateIndex", service.createIndex).put("ModifyIndex", service.modifyIndex);
        return node;
    }

    private void kv(HttpExchange exchange, String method, String key, Map<String, String> query, byte[] body)
            throws IOException
    {
        boolean recurse = query.containsKey("recurse");
        switch (method) {
            case "GET" -> blockingRead(exchange, query, () -> kvIndex(key, recurse), () -> {
                ArrayNode entries = json.createArrayNode();
                for (Map.Entry<String, KvEntry> entry : recurse ? kv.tailMap(key, true).entrySet() : kv.subMap(key, true, key, true).entrySet()) {
                    if (!entry.getKey().startsWith(key)) {
                        break;
                    }
                    KvEntry value = entry.getValue();
                    entries.addObject()
                            .put("LockIndex", 0)
                            .put("Key", entry.getKey())
                            .put("Flags", value.flags())
                            .put("Value", value.value().length == 0 ? null : Base64.getEncoder().encodeToString(value.value()))
                            .put("CreateIndex", value.createIndex())
                            .put("ModifyIndex", value.modifyIndex());
                }
                return entries.isEmpty() ? Optional.empty() : Optional.of(entries);
            });
            case "PUT" -> {
                if (key.isEmpty()) {
                    send(exchange, 400, "text/plain", "Missing key name", -1);
                    return;
                }
                boolean written;
                synchronized (lock) {
                    KvEntry current = kv.get(key);
                    written = !query.containsKey("cas") || Long.parseLong(query.get("cas")) == (current == null ? 0 : current.modifyIndex());
                    if (written) {
                        long next = ++index;
                        kvTableIndex = next;
                        kv.put(key, new KvEntry(body, Long.parseUnsignedLong(query.getOrDefault("flags", "0")), current == null ? next : current.createIndex(), next));
                        tombstones.remove(key);
                        lock.notifyAll();
                    }
                }
                send(exchange, 200, "application/json", Boolean.toString(written), -1);
            }
            case "DELETE" -> {
                boolean deleted;
                synchronized (lock) {
                    KvEntry current = kv.get(key);
                    deleted = !query.containsKey("cas") || (current != null && Long.parseLong(query.get("cas")) == current.modifyIndex());
                    if (deleted) {
                        long next = ++index;
                        kvTableIndex = next;
                        List<String> removed = new ArrayList<>();
                        if (recurse) {
                            kv.tailMap(key, true).keySet().stream().takeWhile(name -> name.startsWith(key)).forEach(removed::add);
                        }
                        else if (current != null) {
                            removed.add(key);
                        }
                        removed.forEach(name -> {
                            kv.remove(name);
                            tombstones.put(name, next);
                        });
                        lock.notifyAll();
                    }
                }
                send(exchange, 200, "application/json", Boolean.toString(deleted), -1);
            }
            default -> send(exchange, 405, "text/plain", "method not allowed", -1);
        }
    }

    /** Consul's index of a KV read: the newest change (write or delete) of a matching key, else the table's. */
    private long kvIndex(String key, boolean recurse)
    {
        long newest = 0;
        for (Map.Entry<String, KvEntry> entry : kv.tailMap(key, true).entrySet()) {
            if (!entry.getKey().startsWith(key) || (!recurse && !entry.getKey().equals(key))) {
                break;
            }
            newest = Math.max(newest, entry.getValue().modifyIndex());
        }
        for (Map.Entry<String, Long> tombstone : tombstones.entrySet()) {
            if (recurse ? tombstone.getKey().startsWith(key) : tombstone.getKey().equals(key)) {
                newest = Math.max(newest, tombstone.getValue());
            }
        }
        return newest > 0 ? newest : kvTableIndex;
    }

    private void register(HttpExchange exchange, byte[] body)
            throws IOException
    {
        JsonNode request;
        try {
            request = json.readTree(body);
        }
        catch (IOException e) {
            send(exchange, 400, "text/plain", "Request decode failed: " + e.getMessage(), -1);
            return;
        }
        String name = field(request, "Name").asText("");
        if (name.isEmpty()) {
            send(exchange, 400, "text/plain", "Missing service name", -1);
            return;
        }
        Map<String, String> meta = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : iterable(field(request, "Meta"))) {
            if (!META_KEY.matcher(field.getKey()).matches() || field.getKey().startsWith("consul-")) {
                send(exchange, 400, "text/plain", "Invalid Service Meta: Key contains invalid characters", -1);
                return;
            }
            meta.put(field.getKey(), field.getValue().asText());
        }
        List<JsonNode> checkDefinitions = new ArrayList<>();
        if (field(request, "Check").isObject()) {
            checkDefinitions.add(field(request, "Check"));
        }
        field(request, "Checks").forEach(checkDefinitions::add);
        Service service = new Service();
        service.name = name;
        service.id = field(request, "ID").asText(name).isEmpty() ? name : field(request, "ID").asText(name);
        service.tags = new ArrayList<>();
        field(request, "Tags").forEach(tag -> service.tags.add(tag.asText()));
        service.address = field(request, "Address").asText("");
        service.port = field(request, "Port").asInt(0);
        service.meta = meta;
        service.passingWeight = field(field(request, "Weights"), "Passing").asInt(1);
        service.warningWeight = field(field(request, "Weights"), "Warning").asInt(1);
        for (int i = 0; i < checkDefinitions.size(); i++) {
            JsonNode definition = checkDefinitions.get(i);
            Check check = new Check();
            check.id = field(definition, "CheckID").asText(field(definition, "ID").asText(""));
            if (check.id.isEmpty()) {
                check.id = "service:" + service.id + (checkDefinitions.size() > 1 ? ":" + (i + 1) : "");
            }
            check.name = field(definition, "Name").asText("Service '" + name + "' check");
            check.status = field(definition, "Status").asText("critical");
            check.notes = field(definition, "Notes").asText("");
            if (!field(definition, "HTTP").isMissingNode() && !field(definition, "HTTP").isNull()) {
                check.http = URI.create(field(definition, "HTTP").asText());
                check.interval = duration(field(definition, "Interval").asText("")).orElse(null);
                check.timeout = duration(field(definition, "Timeout").asText("10s")).orElse(Duration.ofSeconds(10));
                if (check.interval == null) {
                    send(exchange, 400, "text/plain", "Invalid check: Interval must be > 0 for Script, HTTP, H2PING, TCP, UDP or GRPC checks", -1);
                    return;
                }
            }
            else if (!field(definition, "TTL").isMissingNode() && !field(definition, "TTL").isNull()) {
                check.ttl = duration(field(definition, "TTL").asText()).orElse(null);
                if (check.ttl == null) {
                    send(exchange, 400, "text/plain", "Invalid check: TTL must be a duration", -1);
                    return;
                }
                check.ttlDeadline = System.nanoTime() + check.ttl.toNanos();
            }
            else {
                send(exchange, 400, "text/plain", "Invalid check: TTL must be > 0 for TTL checks", -1);
                return;
            }
            service.checks.add(check);
        }
        synchronized (lock) {
            long next = ++index;
            Service previous = services.get(service.id);
            service.createIndex = previous == null ? next : previous.createIndex;
            service.modifyIndex = next;
            for (Check check : service.checks) {
                check.createIndex = next;
                check.modifyIndex = next;
            }
            services.put(service.id, service);
            serviceIndexes.put(service.name, next);
            if (previous != null && !previous.name.equals(service.name)) {
                serviceIndexes.put(previous.name, next);
            }
            lock.notifyAll();
        }
        for (Check check : service.checks) {
            if (check.http != null) {
                checks.schedule(() -> runHttpCheck(service, check), 0, TimeUnit.MILLISECONDS);
            }
        }
        send(exchange, 200, "text/plain", "", -1);
    }

    private void deregister(HttpExchange exchange, String id)
            throws IOException
    {
        synchronized (lock) {
            Service removed = services.remove(id);
            if (removed == null) {
                send(exchange, 404, "text/plain", "Unknown service ID \"" + id + "\". Ensure that the service ID is passed, not the service name.", -1);
                return;
            }
            serviceIndexes.put(removed.name, ++index);
            lock.notifyAll();
        }
        send(exchange, 200, "text/plain", "", -1);
    }

    private void updateCheck(HttpExchange exchange, String checkId, String status, String note)
            throws IOException
    {
        synchronized (lock) {
            for (Service service : services.values()) {
                for (Check check : service.checks) {
                    if (check.id.equals(checkId)) {
                        if (check.ttl == null) {
                            send(exchange, 500, "text/plain", "CheckID \"" + checkId + "\" does not have associated TTL", -1);
                            return;
                        }
                        check.ttlDeadline = System.nanoTime() + check.ttl.toNanos();
                        setStatus(service, check, status, note);
                        send(exchange, 200, "text/plain", "", -1);
                        return;
                    }
                }
            }
        }
        send(exchange, 404, "text/plain", "Unknown check ID \"" + checkId + "\"", -1);
    }

    /** Needs the lock. */
    private void setStatus(Service service, Check check, String status, String output)
    {
        if (check.status.equals(status) && check.output.equals(output)) {
            return;
        }
        long next = ++index;
        check.status = status;
        check.output = output;
        check.modifyIndex = next;
        serviceIndexes.put(service.name, next);
        lock.notifyAll();
    }

    private void runHttpCheck(Service service, Check check)
    {
        synchronized (lock) {
            if (services.get(service.id) != service) {
                return;
            }
        }
        String status;
        String output;
        try {
            HttpResponse<String> response = httpChecks.send(HttpRequest.newBuilder(check.http).timeout(check.timeout).GET().build(), HttpResponse.BodyHandlers.ofString());
            status = response.statusCode() / 100 == 2 ? "passing" : response.statusCode() == 429 ? "warning" : "critical";
            output = "HTTP GET " + check.http + ": " + response.statusCode() + " Output: " + response.body();
        }
        catch (IOException e) {
            status = "critical";
            output = "Get \"" + check.http + "\": " + e;
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        synchronized (lock) {
            if (services.get(service.id) != service) {
                return;
            }
            setStatus(service, check, status, output);
        }
        checks.schedule(() -> runHttpCheck(service, check), check.interval.toMillis(), TimeUnit.MILLISECONDS);
    }

    private void expireTtlChecks()
    {
        synchronized (lock) {
            long now = System.nanoTime();
            for (Service service : services.values()) {
                for (Check check : service.checks) {
                    if (check.ttl != null && now - check.ttlDeadline > 0 && !check.status.equals("critical")) {
                        setStatus(service, check, "critical", "TTL expired");
                    }
                }
            }
        }
    }

    private void send(HttpExchange exchange, int status, String contentType, String body, long consulIndex)
            throws IOException
    {
        byte[] bytes = body.getBytes(UTF_8);
        exchange.getResponseHeaders().set("Content-Type", contentType);
        if (consulIndex >= 0) {
            exchange.getResponseHeaders().set("X-Consul-Index", Long.toString(consulIndex));
            exchange.getResponseHeaders().set("X-Consul-Knownleader", "true");
            exchange.getResponseHeaders().set("X-Consul-Lastcontact", "0");
        }
        exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
        if (bytes.length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(bytes);
            }
        }
    }

    private static Optional<Duration> duration(String text)
    {
        Matcher matcher = DURATION.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            return Optional.empty();
        }
        long amount = Long.parseLong(matcher.group(1));
        return Optional.of(switch (matcher.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            case "m" -> Duration.ofMinutes(amount);
            default -> Duration.ofHours(amount);
        });
    }

    private static Map<String, String> query(String raw)
    {
        Map<String, String> parameters = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) {
            return parameters;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            parameters.put(decode(equals < 0 ? pair : pair.substring(0, equals)), equals < 0 ? "" : decode(pair.substring(equals + 1)));
        }
        return parameters;
    }

    private static String decode(String text)
    {
        return URLDecoder.decode(text, UTF_8);
    }

    /** Consul decodes request bodies the way Go does: field names match whatever their case ({@code ID}, {@code Id}). */
    private static JsonNode field(JsonNode object, String name)
    {
        for (Map.Entry<String, JsonNode> field : iterable(object)) {
            if (field.getKey().equalsIgnoreCase(name)) {
                return field.getValue();
            }
        }
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }

    private static Iterable<Map.Entry<String, JsonNode>> iterable(JsonNode node)
    {
        return node::fields;
    }

    private static java.util.concurrent.ThreadFactory daemon(String name)
    {
        return runnable -> {
            Thread thread = new Thread(runnable, name);
            thread.setDaemon(true);
            return thread;
        };
    }
}
