"""Re-identification on person crops: datasets, models, losses, samplers, training."""
