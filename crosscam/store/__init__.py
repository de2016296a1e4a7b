"""The on-disk index of a run: SQLite for metadata, a .npy matrix for tracklet embeddings."""
