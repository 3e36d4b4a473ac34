"""Namespace plugins bundled with powernode; each registers through the `powernode` entry-point group."""
