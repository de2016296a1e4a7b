"""Backbones and embedding heads."""
