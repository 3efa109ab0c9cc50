package io.switchboard.routing.consul;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.kiwiproject.consul.Consul;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * The Consul that Consul tests talk to: a real agent when {@code CONSUL_HTTP_ADDR} is set (and
 * {@code CONSUL_HTTP_TOKEN}, if its ACLs need one), the {@link ConsulDouble} otherwise. Tests change Consul only
 * through its public HTTP API, under names of their own, and clean up after themselves, so that they run unchanged
 * against both.
 */
public final class ConsulTarget
        implements AutoCloseable
{
    private static final ObjectMapper JSON = new ObjectMapper();

    private final URI address;
    private final Optional<String> token;
    private final Optional<ConsulDouble> consulDouble;
    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();
    private final List<String> services = new ArrayList<>();
    private final List<String> prefixes = new ArrayList<>();
    private final List<Consul> clients = new ArrayList<>();

    private ConsulTarget(URI address, Optional<String> token, Optional<ConsulDouble> consulDouble)
    {
        this.address = address;
        this.token = token;
        this.consulDouble = consulDouble;
    }

    public static ConsulTarget start()
            throws IOException
    {
        Optional<String> agent = Optional.ofNullable(System.getenv("CONSUL_HTTP_ADDR")).filter(value -> !value.isBlank());
        if (agent.isPresent()) {
            return new ConsulTarget(ConsulClients.address(agent, Optional.empty()), Optional.ofNullable(System.getenv("CONSUL_HTTP_TOKEN")).filter(value -> !value.isBlank()),
                    Optional.empty());
        }
        ConsulDouble consulDouble = ConsulDouble.start();
        return new ConsulTarget(consulDouble.address(), Optional.empty(), Optional.of(consulDouble));
    }

    /** Always the double: for tests that make Consul fail, which no real agent can be made to do on demand. */
    public static ConsulTarget startDouble()
            throws IOException
    {
        ConsulDouble consulDouble = ConsulDouble.start();
        return new ConsulTarget(consulDouble.address(), Optional.empty(), Optional.of(consulDouble));
    }

    public URI address()
    {
        return address;
    }

    public Optional<String> token()
    {
        return token;
    }

    /** The double, for what only a double can do (fail, rewind its indexes); empty against a real agent. */
    public Optional<ConsulDouble> consulDouble()
    {
        return consulDouble;
    }

    /** A client of the code under test, closed with this target. */
    public Consul client()
    {
        Consul client = ConsulClients.connect(address, token, Duration.ofSeconds(5));
        synchronized (clients) {
            clients.add(client);
        }
        return client;
    }

    /** A name no other test run uses: for services and key prefixes on a shared agent. */
    public static String uniqueName(String label)
    {
        return "sb-test-" + label + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    /** {@code PUT /v1/agent/service/register}; the service is deregistered when this target closes. */
    public void register(Map<String, Object> registration)
            throws IOException, InterruptedException
    {
        String id = String.valueOf(registration.getOrDefault("ID", registration.get("Name")));
        synchronized (services) {
            if (!services.contains(id)) {
                services.add(id);
            }
        }
        expectOk(send("PUT", "/v1/agent/service/register", JSON.writeValueAsString(registration)));
    }

    public void deregister(String serviceId)
            throws IOException, InterruptedException
    {
        expectOk(send("PUT", "/v1/agent/service/deregister/" + encode(serviceId), ""));
    }

    /** Sets a TTL check's status: {@code pass}, {@code warn} or {@code fail}. */
    public void ttl(String checkId, String verb, String note)
            throws IOException, InterruptedException
    {
        expectOk(send("PUT", "/v1/agent/check/" + verb + "/" + encode(checkId) + "?note=" + encode(note), ""));
    }

    /** {@code GET /v1/catalog/service/:name}. */
    public JsonNode catalog(String service)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = send("GET", "/v1/catalog/service/" + encode(service), null);
        expectOk(response);
        return JSON.readTree(response.body());
    }

    /** {@code GET /v1/health/service/:name}: each instance with its checks. */
    public JsonNode health(String service)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = send("GET", "/v1/health/service/" + encode(service), null);
        expectOk(response);
        return JSON.readTree(response.body());
    }

    /** Remembers a key prefix to delete when this target closes. */
    public String keyPrefix(String label)
    {
        String prefix = uniqueName(label) + "/";
        synchronized (prefixes) {
            prefixes.add(prefix);
        }
        return prefix;
    }

    public boolean kvPut(String key, String value)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = send("PUT", "/v1/kv/" + key, value);
        expectOk(response);
        return Boolean.parseBoolean(response.body().trim());
    }

    /** The value of a key, empty when Consul answers 404. */
    public Optional<String> kvGet(String key)
            throws IOException, InterruptedException
    {
        HttpResponse<String> response = send("GET", "/v1/kv/" + key, null);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        expectOk(response);
        JsonNode value = JSON.readTree(response.body()).path(0).path("Value");
        return Optional.of(value.isTextual() ? new String(java.util.Base64.getDecoder().decode(value.asText()), UTF_8) : "");
    }

    public void kvDeleteTree(String prefix)
            throws IOException, InterruptedException
    {
        expectOk(send("DELETE", "/v1/kv/" + prefix + "?recurse", null));
    }

    private HttpResponse<String> send(String method, String pathAndQuery, String body)
            throws IOException, InterruptedException
    {
        HttpRequest.Builder request = HttpRequest.newBuilder(address.resolve(pathAndQuery))
                .timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body, UTF_8));
        token.ifPresent(value -> request.header("X-Consul-Token", value));
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static void expectOk(HttpResponse<String> response)
    {
        if (response.statusCode() != 200) {
            throw new IllegalStateException(response.request().method() + " " + response.uri() + " answered " + response.statusCode() + ": " + response.body());
        }
    }

    private static String encode(String text)
    {
        return URLEncoder.encode(text, UTF_8).replace("+", "%20");
    }

    @Override
    public void close()
    {
        try {
            for (String service : List.copyOf(services)) {
                HttpResponse<String> ignored = send("PUT", "/v1/agent/service/deregister/" + encode(service), "");
            }
            for (String prefix : List.copyOf(prefixes)) {
                HttpResponse<String> ignored = send("DELETE", "/v1/kv/" + prefix + "?recurse", null);
            }
        }
        catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        finally {
            synchronized (clients) {
                clients.forEach(Consul::destroy);
            }
            consulDouble.ifPresent(ConsulDouble::close);
        }
    }
}
