"""Re-identification evaluation: Market-1501 protocol metrics and k-reciprocal re-ranking."""
