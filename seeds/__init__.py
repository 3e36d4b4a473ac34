"""Seed data files, one folder per namespace."""
