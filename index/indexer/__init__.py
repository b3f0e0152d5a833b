"""Building the index: what changed, writing a new version, publishing it, status."""
