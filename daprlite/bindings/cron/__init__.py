"""bindings.cron: an input binding that fires on a cron schedule, the way daprd's does."""
