package bank.kafkaplatform.connect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigData;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.provider.ConfigProvider;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClientBuilder;

/**
 * The workers' {@code env} config provider: {@code ${env:NAME}} as Kafka's EnvVarConfigProvider resolves it, except
 * that a variable {@code NAME_FROM_SECRET=<secret ARN>#<JSON field>} makes it read that field from Secrets Manager,
 * each time a connector's configuration is resolved (when the connector or its task starts or restarts).
 *
 * <p>So a rotated database password reaches a connector at its next restart, without restarting the worker: the
 * health monitor restarts exactly the connectors of a secret whose rotation succeeded. The worker's task role may
 * read those secrets only; the ARN and field come from the task definition, never from a connector's config.
 *
 * <p>Parameters: {@code allowlist.pattern} (as EnvVarConfigProvider's: names outside it resolve to nothing) and
 * {@code endpoint} (another Secrets Manager endpoint: the runtime tier's stand-in).
 */
public final class CredentialsConfigProvider implements ConfigProvider {
    public static final String SOURCE_SUFFIX = "_FROM_SECRET";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Function<String, String> environment;
    private final Map<Region, SecretsManagerClient> clients = new ConcurrentHashMap<>();
    private Pattern allowlist;
    private URI endpoint;

    public CredentialsConfigProvider() {
        this(System::getenv);
    }

    CredentialsConfigProvider(Function<String, String> environment) {
        this.environment = environment;
    }

    @Override
    public void configure(Map<String, ?> configs) {
        Object pattern = configs.get("allowlist.pattern");
        allowlist = pattern == null ? null : Pattern.compile(pattern.toString());
        Object given = configs.get("endpoint");
        endpoint = given == null || given.toString().isEmpty() ? null : URI.create(given.toString());
    }

    /** Nothing without keys: a connector names the variables it reads. */
    @Override
    public ConfigData get(String path) {
        return new ConfigData(Map.of());
    }

    @Override
    public ConfigData get(String path, Set<String> keys) {
        if (path != null && !path.isEmpty()) {
            throw new ConfigException("the env provider takes no path: ${env:NAME}, not ${env:" + path + ":NAME}");
        }
        Map<String, String> data = new HashMap<>();
        for (String key : keys) {
            if (allowlist != null && !allowlist.matcher(key).matches()) {
                continue;
            }
            String source = environment.apply(key + SOURCE_SUFFIX);
            String value = source != null ? fromSecret(key, source) : environment.apply(key);
            if (value != null) {
                data.put(key, value);
            }
        }
        return new ConfigData(data);
    }

    private String fromSecret(String key, String source) {
        int hash = source.lastIndexOf('#');
        String[] arn = source.split(":");
        if (hash < 0 || arn.length < 7 || !"secretsmanager".equals(arn[2])) {
            throw new ConfigException(key + SOURCE_SUFFIX + " is not <secret ARN>#<field>");
        }
        String secretId = source.substring(0, hash);
        String field = source.substring(hash + 1);
        String text = client(Region.of(arn[3])).getSecretValue(b -> b.secretId(secretId)).secretString();
        try {
            JsonNode node = JSON.readTree(text).get(field);
            if (node == null || !node.isTextual()) {
                throw new ConfigException(key + ": the secret " + secretId + " has no text field " + field);
            }
            return node.asText();
        } catch (IOException error) {
            throw new ConfigException(key + ": the secret " + secretId + " is not JSON");
        }
    }

    private SecretsManagerClient client(Region region) {
        return clients.computeIfAbsent(region, r -> {
            SecretsManagerClientBuilder builder = SecretsManagerClient.builder().region(r)
                    .httpClientBuilder(UrlConnectionHttpClient.builder());
            if (endpoint != null) {
                builder.endpointOverride(endpoint);
            }
            return builder.build();
        });
    }

    @Override
    public void close() {
        clients.values().forEach(SecretsManagerClient::close);
        clients.clear();
    }
}
