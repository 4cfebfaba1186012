"""Every operator of a model against LiteRT on the simulated board: the check the real-model
tests (streams and converted models) share."""

from __future__ import annotations

from simtiny import api
from simtiny.flow.debug import first_bad_layer
from simtiny.flow.inputs import random_inputs
from simtiny.flow.run import compile_model
from simtiny.model import Graph


def every_operator_bit_exact(graph: Graph, toolchain: str | None, samples: int) -> None:
    """Every operator output of `samples` random samples (one stream, where the model keeps
    state) equals LiteRT's, built with no buffer reuse so that each output can be read."""
    unshared = compile_model(graph, api.load_platform("stm32h743"), toolchain, reuse=False)
    diff, checked = first_bad_layer(unshared, [random_inputs(graph, k) for k in range(samples)], 10**9, "unicorn")
    assert diff is None, diff
    assert checked == samples * sum(len(op.outputs) for op in graph.operators)  # every output of every one
