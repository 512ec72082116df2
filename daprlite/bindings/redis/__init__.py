"""bindings.redis: the Redis output binding (create, get, delete, increment)."""
