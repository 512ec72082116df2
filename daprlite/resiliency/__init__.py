"""Dapr `Resiliency` applied to binding calls: timeouts, retries and circuit breakers around the
output invoke (outbound) and each delivery to the app (inbound), as daprd's policy runner does."""
