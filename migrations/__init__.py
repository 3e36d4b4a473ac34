"""Migration scripts, one folder per namespace (playhouse.migrations format)."""
