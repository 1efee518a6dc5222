/*
 * KafkaApiKeys: prints Apache Kafka's API keys (the ApiKeys enum of
 * kafka-clients) as "key<TAB>Name" lines.  Used by
 * tests/integration/itest_api_names_match_kafka.sh.
 */

import org.apache.kafka.common.protocol.ApiKeys;

public class KafkaApiKeys {
    public static void main(String[] args) {
        for (ApiKeys k : ApiKeys.values())
            System.out.println(k.id + "\t" + k.name);
    }
}
