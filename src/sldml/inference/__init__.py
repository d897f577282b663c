"""Use a trained model: enrol new actions from one example, recognise them, reject what was never shown."""

from sldml.inference.gallery import FAISS_MIN_SIZE, Gallery
from sldml.inference.inputs import read_inputs
from sldml.inference.recognizer import UNKNOWN, Recognition, Recognizer
from sldml.inference.windows import Segment, segment

__all__ = ["FAISS_MIN_SIZE", "UNKNOWN", "Gallery", "Recognition", "Recognizer", "Segment", "read_inputs", "segment"]
