"""Secret store types (`secretstores.*`), one folder each, reached through registry.py."""
