"""Finished runs: the run folder's files, loading a run back, embedding sequences and comparing embeddings.

torch only, no Lightning: recognising a query loads this layer, never the training loop.
"""

from sldml.runs.embed import embed, embedding_distances, features, input_spec
from sldml.runs.folder import Run, load_run, run_folder, write_calibration, write_run

__all__ = [
    "Run",
    "embed",
    "embedding_distances",
    "features",
    "input_spec",
    "load_run",
    "run_folder",
    "write_calibration",
    "write_run",
]
