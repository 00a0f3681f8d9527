"""Per-network text rules: length, limits and entities."""
