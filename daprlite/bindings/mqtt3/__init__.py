"""bindings.mqtt3 (alias bindings.mqtt): publish with QoS 1, and read a topic filter with
PUBACK sent only once the app accepted a message."""
