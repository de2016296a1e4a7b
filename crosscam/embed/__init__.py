"""Embedders: person crops (BGR uint8) -> L2-normalised float32 embeddings."""
