"""bindings.kafka v1: confluent-kafka behind Dapr's Kafka binding metadata."""
