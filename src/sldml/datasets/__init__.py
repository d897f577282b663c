"""Datasets: what a config's ``data`` section loads, its one-shot split, and the images a network reads.

* :mod:`sldml.datasets.sources`: the registry of dataset names and :func:`load_data`;
* :mod:`sldml.datasets.splits`: :func:`one_shot_split`, a protocol applied to the loaded data;
* :mod:`sldml.datasets.images`: preprocessing, augmentation and the configured representation (numpy);
* :mod:`sldml.datasets.tensors`: :class:`SignalImageDataset`, the torch Dataset of images;
* :mod:`sldml.datasets.pairs`: match / no-match pairs for the Siamese-LSTM.

``tensors`` (torch) is not imported here, so that the numpy parts load without torch.
"""

from sldml.datasets.images import augment, image, preprocess, preprocessed
from sldml.datasets.sources import check_dataset, list_datasets, load_data
from sldml.datasets.splits import one_shot_split

__all__ = [
    "augment",
    "check_dataset",
    "image",
    "list_datasets",
    "load_data",
    "one_shot_split",
    "preprocess",
    "preprocessed",
]
