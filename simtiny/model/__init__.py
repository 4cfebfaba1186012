"""The model a user gives simtiny: a .tflite file read (tflite.py) into a graph of plain
dataclasses (graph.py), normalised (normalize.py), with its work counted (macs.py)."""

from simtiny.model.graph import NUMPY_DTYPES, Graph, Operator, Quantization, Tensor
from simtiny.model.tflite import load_model, parse_model

__all__ = ["NUMPY_DTYPES", "Graph", "Operator", "Quantization", "Tensor", "load_model", "parse_model"]
