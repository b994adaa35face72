"""Helhed."""
