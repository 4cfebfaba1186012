"""IF and WHILE against LiteRT, bit for bit: branches with int8 arithmetic, a pass-through branch,
an IF inside a branch, loops counted by an int32 variable with int8 work and a view in the body,
a body that swaps its loop variables; and the subgraphs simtiny refuses, each in one line."""

from __future__ import annotations

import numpy as np
import pytest
from support.opcheck import check_model
from support.tflite_writer import OpSpec, SubgraphSpec, TensorSpec, build_model

from simtiny import lower
from simtiny.errors import InputError
from simtiny.model import parse_model

Q = {"scale": [0.1], "zero_point": [3]}


def x8(name: str, shape: tuple[int, ...] = (1, 4)) -> TensorSpec:
    return TensorSpec(name, shape, "int8", **Q)


def doubled(name: str = "double") -> SubgraphSpec:
    """x -> x + x (int8, saturating)."""
    return SubgraphSpec([x8("x"), x8("y")], [OpSpec("ADD", [0, 0], [1])], [0], [1], name)


def passed(name: str = "pass") -> SubgraphSpec:
    """x -> x: the output is the input."""
    return SubgraphSpec([x8("x")], [], [0], [0], name)


def if_model(then: int, other: int, subgraphs: list[SubgraphSpec]) -> bytes:
    main = [TensorSpec("c", (1,), "bool"), x8("x"), x8("y")]
    options = {"then_subgraph_index": then, "else_subgraph_index": other}
    return build_model(main, [OpSpec("IF", [0, 1], [2], options)], [0, 1], [2], subgraphs=subgraphs)


def nested_if(name: str) -> SubgraphSpec:
    """A branch that is itself an IF on whether x's first value is above a constant."""
    tensors = [
        x8("x"),
        TensorSpec("first", (1, 1), "int8", **Q),
        TensorSpec("begin", (2,), "int32", data=np.array([0, 0], np.int32)),
        TensorSpec("size", (2,), "int32", data=np.array([1, 1], np.int32)),
        TensorSpec("limit", (1, 1), "int8", data=np.array([[10]], np.int8), **Q),
        TensorSpec("above", (1, 1), "bool"),
        TensorSpec("flat", (1,), "bool"),
        TensorSpec("shape", (1,), "int32", data=np.array([1], np.int32)),
        x8("y"),
    ]
    ops = [
        OpSpec("SLICE", [0, 2, 3], [1]),
        OpSpec("GREATER", [1, 4], [5]),
        OpSpec("RESHAPE", [5, 7], [6]),
        OpSpec("IF", [6, 0], [8], {"then_subgraph_index": 1, "else_subgraph_index": 2}),
    ]
    return SubgraphSpec(tensors, ops, [0], [8], name)


def draw_if(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    if spec.dtype == "bool":
        return rng.integers(0, 2, spec.shape).astype(bool)
    return rng.integers(-128, 128, spec.shape).astype(np.int8)


@pytest.mark.parametrize(
    "then, other, subgraphs",
    [
        (1, 2, [doubled(), passed()]),
        (2, 1, [doubled(), passed()]),
        (1, 3, [doubled(), passed(), nested_if("nested")]),
    ],
    ids=["double-or-pass", "pass-or-double", "nested-if"],
)
def test_if(then, other, subgraphs):
    model = if_model(then, other, subgraphs)
    tensors = [TensorSpec("c", (1,), "bool"), x8("x"), x8("y")]
    options = {"then_subgraph_index": then, "else_subgraph_index": other}
    ops = [OpSpec("IF", [0, 1], [2], options)]
    assert parse_model(model).subgraphs  # the branches were read
    rng = np.random.default_rng(then * 10 + other)
    assert check_model(tensors, ops, [0, 1], [2], rng, 16, draw=draw_if, subgraphs=subgraphs).elements == 64


def counted_loop(swap: bool = False) -> tuple[list[TensorSpec], list[OpSpec], list[SubgraphSpec]]:
    """i, a, b -> while i < 5: i + 1, a + a (through a RESHAPE there and back), b + b; with
    `swap`, the body also exchanges a and b."""
    i32 = lambda name, value=None: TensorSpec(  # noqa: E731
        name, (1,), "int32", data=None if value is None else np.array([value], np.int32)
    )
    main = [i32("i"), x8("a"), x8("b"), i32("i_out"), x8("a_out"), x8("b_out")]
    cond = SubgraphSpec(
        [i32("i"), x8("a"), x8("b"), i32("n", 5), TensorSpec("go", (1,), "bool")],
        [OpSpec("LESS", [0, 3], [4])],
        [0, 1, 2],
        [4],
        "cond",
    )
    body_tensors = [
        i32("i"),
        x8("a"),
        x8("b"),
        i32("one", 1),
        i32("i2"),
        x8("a_flat", (4,)),
        TensorSpec("flat", (1,), "int32", data=np.array([4], np.int32)),
        TensorSpec("square", (2,), "int32", data=np.array([1, 4], np.int32)),
        x8("a_back"),
        x8("a2"),
        x8("b2"),
    ]
    body_ops = [
        OpSpec("ADD", [0, 3], [4]),
        OpSpec("RESHAPE", [1, 6], [5]),
        OpSpec("RESHAPE", [5, 7], [8]),
        OpSpec("ADD", [8, 8], [9]),
        OpSpec("ADD", [2, 2], [10]),
    ]
    outputs = [4, 10, 9] if swap else [4, 9, 10]
    body = SubgraphSpec(body_tensors, body_ops, [0, 1, 2], outputs, "body")
    options = {"cond_subgraph_index": 1, "body_subgraph_index": 2}
    return main, [OpSpec("WHILE", [0, 1, 2], [3, 4, 5], options)], [cond, body]


def draw_counter(rng: np.random.Generator, spec: TensorSpec) -> np.ndarray:
    """Counters from -1 to 6 (no turn, one, or up to six), int8 values small enough to double a while."""
    if spec.dtype == "int32":
        return rng.integers(-1, 7, spec.shape).astype(np.int32)
    return rng.integers(-20, 21, spec.shape).astype(np.int8)


@pytest.mark.parametrize("swap", [False, True], ids=["loop", "swapping-loop"])
def test_while(swap):
    main, ops, subgraphs = counted_loop(swap)
    rng = np.random.default_rng(swap)
    result = check_model(main, ops, [0, 1, 2], [3, 4, 5], rng, 16, draw=draw_counter, subgraphs=subgraphs)
    assert result.elements == 16 * 9


def test_branches_that_do_not_fit_the_if_are_refused_in_one_line():
    narrow = SubgraphSpec([x8("x", (1, 2))], [], [0], [0], "narrow")
    graph = parse_model(if_model(1, 2, [doubled(), narrow]))
    (reason,) = lower.unsupported(graph)
    assert reason == "IF (subgraph 2 (narrow): inputs 0 is int8 [1, 2], the operator's int8 [1, 4]) x1 (operator 0)"
    sine = SubgraphSpec(
        [TensorSpec("x", (1, 4), "float32"), TensorSpec("y", (1, 4), "float32")],
        [OpSpec("SIN", [0], [1])],
        [0],
        [1],
        "sine",
    )
    main = [TensorSpec("c", (1,), "bool"), TensorSpec("x", (1, 4), "float32"), TensorSpec("y", (1, 4), "float32")]
    options = {"then_subgraph_index": 1, "else_subgraph_index": 1}
    graph = parse_model(build_model(main, [OpSpec("IF", [0, 1], [2], options)], [0, 1], [2], subgraphs=[sine]))
    assert lower.unsupported(graph) == ["IF (subgraph 1 (sine): unsupported SIN x1) x1 (operator 0)"]


def test_a_subgraph_that_runs_itself_is_an_input_error():
    again = nested_if("again")  # its IF runs subgraphs 1 and 2: itself, as subgraph 1
    with pytest.raises(InputError, match="subgraph 1 runs itself through IF: recursion"):
        parse_model(if_model(1, 2, [again, passed()]))
    with pytest.raises(InputError, match=r"operator 0 \(IF\) names subgraph 7, of 3"):
        parse_model(if_model(1, 7, [doubled(), passed()]))


def test_state_inside_a_subgraph_is_refused_in_one_line():
    """An LSTM's variable states inside a branch: simtiny keeps state for the main graph only."""
    state = SubgraphSpec(
        [x8("x"), TensorSpec("s", (1, 4), "int8", variable=True, **Q), x8("y")],
        [OpSpec("ADD", [0, 1], [2])],
        [0],
        [2],
        "stateful",
    )
    graph = parse_model(if_model(1, 2, [state, passed()]))
    (reason,) = lower.unsupported(graph)
    assert "subgraph 1 (stateful): variable tensors inside it" in reason


def test_a_view_of_a_constant_inside_a_branch():
    """A RESHAPE of a constant in a branch (the main graph's are folded, a branch's are not): the
    constant's bytes are copied where the view's reader looks, not left unwritten."""
    branch = SubgraphSpec(
        [
            x8("x"),
            TensorSpec("c", (4,), "int8", data=np.array([1, -2, 3, 40], np.int8), **Q),
            TensorSpec("shape", (2,), "int32", data=np.array([1, 4], np.int32)),
            x8("c_row"),
            x8("y"),
        ],
        [OpSpec("RESHAPE", [1, 2], [3]), OpSpec("ADD", [0, 3], [4])],
        [0],
        [4],
        "plus_constant",
    )
    tensors = [TensorSpec("c", (1,), "bool"), x8("x"), x8("y")]
    ops = [OpSpec("IF", [0, 1], [2], {"then_subgraph_index": 1, "else_subgraph_index": 2})]
    rng = np.random.default_rng(5)
    assert check_model(tensors, ops, [0, 1], [2], rng, 12, draw=draw_if, subgraphs=[branch, passed()]).elements == 48
