package io.switchboard.server.config;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** Reads {@code gateway.yaml} into a {@link GatewayConfig}, turning every problem into one line naming the field. */
public final class ConfigLoader
{
    /** The default configuration inside the jar, used when no file is given. */
    public static final String EMBEDDED_DEFAULT = "/gateway.yaml";

    private final ObjectMapper mapper;

    public ConfigLoader()
    {
        SimpleModule values = new SimpleModule("switchboard-config");
        values.addDeserializer(Duration.class, new DurationDeserializer());
        this.mapper = new ObjectMapper(new YAMLFactory())
                .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .registerModule(values);
    }

    public GatewayConfig load(Path file)
            throws InvalidConfigException
    {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        }
        catch (IOException e) {
            throw new InvalidConfigException(file + ": cannot read: " + e.getMessage());
        }
        return parse(bytes, file.toString());
    }

    public GatewayConfig loadEmbeddedDefault()
            throws InvalidConfigException
    {
        try (InputStream in = ConfigLoader.class.getResourceAsStream(EMBEDDED_DEFAULT)) {
            if (in == null) {
                throw new InvalidConfigException("the embedded default configuration is missing from the jar");
            }
            return parse(in.readAllBytes(), "embedded " + EMBEDDED_DEFAULT);
        }
        catch (IOException e) {
            throw new InvalidConfigException("cannot read the embedded default configuration: " + e.getMessage());
        }
    }

    public GatewayConfig parse(byte[] yaml, String source)
            throws InvalidConfigException
    {
        try {
            GatewayConfig config = mapper.readValue(yaml, GatewayConfig.class);
            if (config == null) {
                throw new InvalidConfigException(source + ": the file is empty");
            }
            return config;
        }
        catch (JsonMappingException e) {
            throw new InvalidConfigException(source + ": " + describe(e));
        }
        catch (JsonProcessingException e) {
            throw new InvalidConfigException(source + ": not valid YAML at line " + e.getLocation().getLineNr() + ": " + e.getOriginalMessage());
        }
        catch (IOException e) {
            throw new InvalidConfigException(source + ": " + e.getMessage());
        }
    }

    private static String describe(JsonMappingException e)
    {
        String path = path(e);
        if (e.getCause() instanceof StreamReadException syntax) {
            int line = syntax.getLocation() == null ? -1 : syntax.getLocation().getLineNr();
            return "not valid YAML at line " + line + ": " + firstLine(syntax.getOriginalMessage());
        }
        if (e instanceof UnrecognizedPropertyException unknown) {
            return path + ": unknown field '" + unknown.getPropertyName() + "'";
        }
        Throwable cause = e.getCause();
        if (e instanceof ValueInstantiationException && cause != null) {
            return join(path, cause.getMessage() != null ? cause.getMessage() : cause.toString());
        }
        if (cause instanceof IllegalArgumentException) {
            return join(path, cause.getMessage());
        }
        if (e instanceof InvalidFormatException invalid) {
            return join(path, "invalid value '" + invalid.getValue() + "' for " + invalid.getTargetType().getSimpleName());
        }
        return join(path, firstLine(e.getOriginalMessage()));
    }

    /** Validation messages start with the field they concern ({@code "uri: ..."}); the path says whose field. */
    private static String join(String path, String message)
    {
        String text = message == null ? "invalid" : firstLine(message);
        if (path.isEmpty()) {
            return text;
        }
        int colon = text.indexOf(": ");
        if (colon > 0 && text.substring(0, colon).matches("[a-z][a-z0-9.\\[\\]-]*")) {
            return path + "." + text;
        }
        return path + ": " + text;
    }

    private static String path(JsonMappingException e)
    {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : e.getPath()) {
            if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
            else if (reference.getFieldName() != null) {
                if (!path.isEmpty()) {
                    path.append('.');
                }
                path.append(reference.getFieldName());
            }
        }
        return path.toString();
    }

    private static String firstLine(String text)
    {
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }

    private static final class DurationDeserializer
            extends JsonDeserializer<Duration>
    {
        @Override
        public Duration deserialize(JsonParser parser, DeserializationContext context)
                throws IOException
        {
            try {
                return ConfigValues.duration(parser.getValueAsString(""));
            }
            catch (IllegalArgumentException e) {
                throw JsonMappingException.from(parser, e.getMessage(), e);
            }
        }
    }
}
