/*
 * KafkaErrors: prints Apache Kafka's own error table (the Errors enum of
 * kafka-clients) as "code<TAB>NAME<TAB>retriable" lines, retriable meaning
 * that the error's exception is a RetriableException, which is what the
 * Java client retries.  Used by tests/integration/itest_errors_match_kafka.sh.
 */

import org.apache.kafka.common.errors.RetriableException;
import org.apache.kafka.common.protocol.Errors;

public class KafkaErrors {
    public static void main(String[] args) {
        for (Errors e : Errors.values()) {
            if (e == Errors.NONE)
                continue;
            int retriable = e.exception() instanceof RetriableException ? 1 : 0;
            System.out.println(e.code() + "\t" + e.name() + "\t" + retriable);
        }
    }
}
