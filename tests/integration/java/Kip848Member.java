/*
 * A Java consumer with group.protocol=consumer (KIP-848), the reference
 * that itest_group_848_kafka4.sh puts in one group with libkafkac's.
 *
 *   java -cp 'LIB/*:DIR' Kip848Member BOOTSTRAP GROUP TOPIC STOPFILE
 *
 * Prints "P O" for every record it processes (stdout, flushed), and
 * "assigned P" / "revoked P" / "lost P" from its rebalance listener
 * (stderr).  Commits after each batch, so what it processed is what the
 * group has committed when a partition moves.  Runs until STOPFILE exists,
 * then closes (leaving the group).
 */
import java.io.File;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

public class Kip848Member {
    static void say(String what, Collection<TopicPartition> parts) {
        for (TopicPartition tp : parts)
            System.err.println(what + " " + tp.partition());
        System.err.flush();
    }

    public static void main(String[] args) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", args[0]);
        p.put("group.id", args[1]);
        p.put("group.protocol", "consumer");
        p.put("auto.offset.reset", "earliest");
        p.put("enable.auto.commit", "false");
        p.put("key.deserializer", ByteArrayDeserializer.class.getName());
        p.put("value.deserializer", ByteArrayDeserializer.class.getName());
        File stop = new File(args[3]);
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(args[2]), new ConsumerRebalanceListener() {
                public void onPartitionsRevoked(Collection<TopicPartition> parts) { say("revoked", parts); }
                public void onPartitionsAssigned(Collection<TopicPartition> parts) { say("assigned", parts); }
                public void onPartitionsLost(Collection<TopicPartition> parts) { say("lost", parts); }
            });
            while (!stop.exists()) {
                ConsumerRecords<byte[], byte[]> recs = c.poll(Duration.ofMillis(200));
                for (ConsumerRecord<byte[], byte[]> r : recs)
                    System.out.println(r.partition() + " " + r.offset());
                System.out.flush();
                if (!recs.isEmpty())
                    c.commitSync();
            }
        }
    }
}
