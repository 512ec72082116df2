"""bindings.postgres / bindings.postgresql: run SQL (`exec`, `query`) on PostgreSQL, as daprd."""
