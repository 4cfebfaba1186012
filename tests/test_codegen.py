"""Generated C: model text stays inside escaped comments; the memory plan never overlaps live
buffers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from support.hostrun import load_host_model
from support.tflite_writer import OpSpec, TensorSpec, build_model

from simtiny.flow.codegen import c_comment, generate
from simtiny.flow.plan import plan_memory
from simtiny.flow.validate import load_and_check
from simtiny.model import parse_model
from simtiny.resources import PAPER_MODELS_DIR

ROOT = Path(__file__).resolve().parent.parent
MODELS = [
    ROOT / "tests" / "data" / "models" / "person_detect.tflite",
    ROOT / "tests" / "data" / "models" / "mcunet-vww1.tflite",
    ROOT / "tests" / "data" / "models" / "micro_speech_quantized.tflite",
    PAPER_MODELS_DIR / "mbv2-w0.3-r64.tflite",
]

HOSTILE = '*/ #include "/etc/passwd" /* \n int evil = 1; // ??= \\ \x00 \u202e é'


def test_c_comment_is_safe():
    text = c_comment(HOSTILE, limit=500)
    assert "*/" not in text and "/*" not in text and "\n" not in text and "\\" not in text
    assert "??" not in text and '"' not in text
    assert re.fullmatch(r"[A-Za-z0-9 _.,:;()\[\]#+=-]*", text)


def test_hostile_tensor_names_never_reach_the_code(tmp_path):
    rng = np.random.default_rng(0)
    w = rng.integers(-127, 128, size=(3, 4), dtype=np.int8)
    tensors = [
        TensorSpec(HOSTILE, (1, 4), "int8", scale=[0.1], zero_point=[0]),
        TensorSpec(HOSTILE + "w", (3, 4), "int8", scale=[0.01], zero_point=[0], data=w),
        TensorSpec("*/ out", (1, 3), "int8", scale=[0.05], zero_point=[1]),
    ]
    model = build_model(tensors, [OpSpec("FULLY_CONNECTED", [0, 1], [2])], [0], [2], description=HOSTILE)
    path = tmp_path / r'evil*\ "name" ??= .tflite'
    path.write_bytes(model)
    graph = load_and_check(path)
    generated = generate(graph, plan_memory(graph))
    code_only = re.sub(r"/\*.*?\*/", "", generated.source, flags=re.S)
    assert "evil" not in code_only and "passwd" not in code_only
    for comment in re.findall(r"/\*(.*?)\*/", generated.source, flags=re.S):
        assert "/*" not in comment
    host = load_host_model(generated, graph)  # it compiles with -Werror, and runs
    assert host.run([np.ones((1, 4), dtype=np.int8)])[0].shape == (1, 3)


@pytest.mark.parametrize("model", MODELS, ids=lambda p: p.stem)
def test_memory_plan_never_overlaps_live_buffers(model):
    graph = load_and_check(model)
    for reuse in (True, False):
        plan = plan_memory(graph, reuse=reuse)
        buffers = plan.buffers
        for i, a in enumerate(buffers):
            assert a.offset % 16 == 0 and a.offset + a.size <= plan.arena_size
            for b in buffers[i + 1 :]:
                assert not a.clashes(a.offset, b), (a, b)  # no byte shared while both are live
        # and the same check, tensor by tensor, from the offsets the code generator uses
        for i, op in enumerate(graph.operators):
            live = {t for t in plan.offsets if _live(graph, t, i)}
            spans = sorted((plan.offsets[t], plan.offsets[t] + graph.tensor(t).nbytes, t) for t in live)
            owners = {plan.alias_of.get(t, t) for t in live}
            by_owner = {o: [s for s in spans if plan.alias_of.get(s[2], s[2]) == o] for o in owners}
            firsts = [min(s[0] for s in v) for v in by_owner.values()]
            ends = [max(s[1] for s in v) for v in by_owner.values()]
            for j in range(len(firsts)):
                for k in range(j + 1, len(firsts)):
                    assert ends[j] <= firsts[k] or ends[k] <= firsts[j], (i, op.opcode)
        if not reuse:
            assert plan.arena_size >= sum(b.size for b in buffers)
    # Reuse must actually save memory on a real network.
    assert plan_memory(graph).arena_size < plan_memory(graph, reuse=False).arena_size


def _live(graph, t: int, i: int) -> bool:
    """Tensor t holds a value while operator i runs (written at or before i, read at or after)."""
    ops_ = graph.operators
    written = [j for j, op in enumerate(ops_) if t in op.outputs]
    read = [j for j, op in enumerate(ops_) if t in op.inputs]
    first = written[0] if written else -1
    last = max(read + ([len(ops_)] if t in graph.outputs else []) + [first])
    return first <= i <= last


def test_views_share_their_source_buffer():
    graph = parse_model((ROOT / "tests" / "data" / "models" / "micro_speech_quantized.tflite").read_bytes())
    plan = plan_memory(graph)
    reshape = next(op for op in graph.operators if op.opcode == "RESHAPE")
    assert plan.offsets[reshape.outputs[0]] == plan.offsets[reshape.inputs[0]]


def test_repeated_parameter_structs_are_declared_once():
    """An operator whose parameter struct repeats an earlier one's names the earlier one; its
    other declarations follow the renaming, and identifiers that merely start alike are kept."""
    from simtiny.flow.codegen import _Context

    ctx = _Context(None, None)
    first = ctx.declare(
        ("static const st_a op1_p = {1, 2};", "static const st_b op1_q = {&op1_p, 3};"),
        "f(&op1_p, &op1_q, op1_p_table);",
    )
    second = ctx.declare(
        ("static const st_a op2_p = {1, 2};", "static const st_b op2_q = {&op2_p, 3};"),
        "f(&op2_p, &op2_q, op2_p_table);",
    )
    third = ctx.declare(("static const st_a op3_p = {1, 5};",), "f(&op3_p);")
    assert first == "f(&op1_p, &op1_q, op1_p_table);"
    assert second == "f(&op1_p, &op1_q, op2_p_table);"
    assert third == "f(&op3_p);"
    assert ctx.decls == [
        "static const st_a op1_p = {1, 2};",
        "static const st_b op1_q = {&op1_p, 3};",
        "static const st_a op3_p = {1, 5};",
    ]


def test_identical_constants_share_one_array():
    from simtiny.flow.codegen import _Context

    ctx = _Context(None, None)
    a = ctx.const("a", np.arange(8, dtype=np.int32))
    b = ctx.const("b", np.arange(8, dtype=np.int32))
    c = ctx.const("c", np.arange(8, dtype=np.int32).astype(np.uint32))  # same bytes, another C type
    d = ctx.const("d", np.arange(8, dtype=np.int8))
    assert a == b == "a" and c == "c" and d == "d"
    assert len(ctx.decls) == 3 and ctx.const_bytes == 32 + 32 + 8
