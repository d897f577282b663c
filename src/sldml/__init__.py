"""sldml: one-shot, zero-shot and siamese action recognition from signals by deep metric learning."""
