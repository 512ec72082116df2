"""secretstores.local.env v1: secrets from the sidecar's own environment variables."""
