"""simtiny's patched Unicorn (simtiny/sim/unicorn/patched.py): the edits apply exactly once or
refuse, and on the patched build the memory hooks run without Unicorn's PC sync, so without the
IT-state repair too, and still compute what the chip computes."""

from __future__ import annotations

import struct

import pytest

from simtiny.elf.image import load_elf
from simtiny.sim.result import MemoryRead
from simtiny.sim.unicorn import build_patched, native
from simtiny.sim.unicorn.patched import is_patched
from tests.support.differential import MODES, run

SYNC = build_patched.SYNC_TEST
SHAPED_LIKE_CPUTLB = f"""
    HOOK_FOREACH(uc, hook, UC_HOOK_MEM_READ_UNMAPPED) {{
        if (hook->to_delete) continue;
        if ({SYNC}) {{ cpu_restore_state(uc->cpu, retaddr, false); }}
    }}
    HOOK_FOREACH(uc, hook, UC_HOOK_MEM_READ) {{
        if (hook->to_delete) continue;
        if ({SYNC}) {{ cpu_restore_state(uc->cpu, retaddr, false); }}
    }}
    HOOK_FOREACH(uc, hook, UC_HOOK_MEM_READ_PROT) {{
        if ({SYNC}) {{ cpu_restore_state(uc->cpu, retaddr, false); }}
    }}
    HOOK_FOREACH(uc, hook, UC_HOOK_MEM_READ_AFTER) {{
        if ({SYNC}) {{ cpu_restore_state(uc->cpu, retaddr, false); }}
    }}
    HOOK_FOREACH(uc, hook, UC_HOOK_MEM_WRITE) {{
        if ({SYNC}) {{ cpu_restore_state(uc->cpu, retaddr, false); }}
    }}
    HOOK_FOREACH(uc, hook, UC_HOOK_MEM_WRITE_UNMAPPED) {{
        if ({SYNC}) {{ cpu_restore_state(uc->cpu, retaddr, false); }}
    }}
"""


def test_only_the_plain_data_access_hooks_skip_the_sync():
    patched = build_patched._plain_hooks_skip_sync(SHAPED_LIKE_CPUTLB)
    blocks = patched.split("HOOK_FOREACH")[1:]
    skipping = [b.split(")")[0].split(", ")[-1] for b in blocks if build_patched.NOSYNC_TEST in b]
    assert skipping == ["UC_HOOK_MEM_READ", "UC_HOOK_MEM_READ_AFTER", "UC_HOOK_MEM_WRITE"]
    assert patched.count(SYNC) == 3  # unmapped and protection hooks still sync (they are faults)


def test_sources_of_another_shape_are_refused():
    with pytest.raises(build_patched.PatchError, match="expected 3 plain data-access hooks, found 2"):
        build_patched._plain_hooks_skip_sync(SHAPED_LIKE_CPUTLB.replace("UC_HOOK_MEM_WRITE)", "UC_HOOK_X)"))
    with pytest.raises(build_patched.PatchError, match="expected one"):
        build_patched.EDITS["include/uc_priv.h"]("struct uc_struct { int a; };")


@pytest.mark.sim
def test_the_patched_build_needs_no_it_repair(monkeypatch, firmware_builder, toolchain, platform):
    """On the patched build the default memory-model modes skip the sync; the IT-block firmware
    then gives the chip's values even with the repair taken out."""
    if not is_patched():
        pytest.skip("stock Unicorn is loaded: run python -m simtiny.sim.unicorn.build_patched")
    enable = native.BlockCounter.enable_memory_model

    def without_repair(self, *args, **kwargs):
        enable(self, *args, **kwargs)
        self.state.reg_write = None

    monkeypatch.setattr(native.BlockCounter, "enable_memory_model", without_repair)
    elf = firmware_builder("it_block", toolchain).elf
    results = load_elf(elf).symbol("it_results")
    for mode in MODES:
        result = run(elf, platform, mode, reads=[MemoryRead("r", results, 24)])
        stock = dict(mode.options).get("stock_hooks", False)
        assert result.extras["memory_hooks"] == ("stock" if stock else "patched"), mode.name
        if not stock:
            assert struct.unpack("<6I", result.memory["r"]) == (4, 6, 0, 2, 7, 42), mode.name


@pytest.mark.sim
def test_fixed_point_to_float_rounds_to_nearest(firmware_builder, toolchain, platform):
    """QEMU 5 (stock Unicorn) rounds VCVT fixed-to-float by FPSCR.RMode; the Arm ARM rounds it to
    nearest (tests/firmware/vcvt_fixed.c, with round-towards-zero set)."""
    elf = firmware_builder("vcvt_fixed", toolchain).elf
    results = load_elf(elf).symbol("results")
    for mode in MODES:
        result = run(elf, platform, mode, reads=[MemoryRead("r", results, 8)])
        fixed, integer = struct.unpack("<2I", result.memory["r"])
        assert (fixed, integer) == (0x4E15_3EC0, 0x4E95_3EBF), mode.name  # 625979392.0; RZ 1251958656.0
        assert (result.status, result.exit_code) == ("exit", 0), mode.name
