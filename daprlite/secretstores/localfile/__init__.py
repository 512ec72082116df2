"""secretstores.local.file v1: secrets from a JSON file, read once at init."""
