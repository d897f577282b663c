"""Training: the Lightning modules and loops (one-shot, siamese pairs, classifier baselines, zero-shot).

Imports torch and Lightning; nothing below this layer does, so recognising a query never loads Lightning.
"""

from sldml.training.oneshot import check_config, load_split, train

__all__ = ["check_config", "load_split", "train"]
