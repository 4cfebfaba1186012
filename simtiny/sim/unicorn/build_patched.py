"""Build simtiny's patched Unicorn (see patched.py) from Unicorn's source distribution on PyPI.

Run once at set-up (scripts/setup.sh does): `python -m simtiny.sim.unicorn.build_patched`.
It downloads the sdist of the Unicorn version installed, applies simtiny's patch (each edit
checked to apply exactly once), builds the Arm target only with CMake (about 30 s on two
cores) and installs `libunicorn.so.2` beside the Python environment, where simtiny's engine
loads it (library.py). The installed Unicorn package is left as it is: other users of Unicorn
in the environment keep every architecture, and removing the folder brings stock Unicorn back.
Exit status: 0 built or already there, 1 the build failed, 2 not possible here (no cmake,
unsupported platform or version).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

from simtiny.sim.unicorn.library import LIBRARY_NAME, installed_version, patched_folder

SUPPORTED = re.compile(r"^2\.1\.\d+$")  # the versions whose sources the edits below were written for

DECLARATION = """
// simtiny: plain UC_HOOK_MEM_READ, UC_HOOK_MEM_READ_AFTER and UC_HOOK_MEM_WRITE callbacks of this
// engine are called without first rebuilding the guest state of the accessing instruction
// (cpu_restore_state), for hooks that never read registers. Other hooks are unchanged.
UNICORN_EXPORT
uc_err uc_simtiny_mem_hooks_nosync(uc_engine *uc, int on);

// simtiny: Armv7-M CCR.UNALIGN_TRP. On, every unaligned halfword or word access raises the
// alignment fault (EXCP_DATA_ABORT); code translated before is flushed. Call between runs.
UNICORN_EXPORT
uc_err uc_simtiny_unaligned_trap(uc_engine *uc, int on);
"""

DEFINITION = """
UNICORN_EXPORT
uc_err uc_simtiny_mem_hooks_nosync(uc_engine *uc, int on)
{
    UC_INIT(uc);
    uc->simtiny_mem_hooks_nosync = on != 0;
    restore_jit_state(uc);
    return UC_ERR_OK;
}

UNICORN_EXPORT
uc_err uc_simtiny_unaligned_trap(uc_engine *uc, int on)
{
    UC_INIT(uc);
    if (uc->simtiny_unaligned_trap != (on != 0)) {
        uc->simtiny_unaligned_trap = on != 0;
        uc->tb_flush(uc);
    }
    restore_jit_state(uc);
    return UC_ERR_OK;
}
"""

SYNC_TEST = "!synced && !uc->skip_sync_pc_on_exit && retaddr"
NOSYNC_TEST = "!synced && !uc->skip_sync_pc_on_exit && !uc->simtiny_mem_hooks_nosync && retaddr"

# Armv7-M alignment (Armv7-M ARM A3.2.1): LDRD, STRD, LDM, STM (so PUSH and POP), VLDR, VSTR,
# VLDM and VSTM need word-aligned addresses whatever CCR.UNALIGN_TRP says, and fault with
# UNALIGNED otherwise; with UNALIGN_TRP set, every halfword and word access must be aligned.
# QEMU 5 (Unicorn 2.1) checks neither on Armv7-M; later QEMU checks both, as the edits here do.
WORD = "MO_UL | MO_ALIGN | s->be_data"
DOUBLE = "MO_Q | MO_ALIGN_4 | s->be_data"  # a 64-bit VFP access needs word alignment only
# VCVT from fixed point to floating point rounds to nearest whatever FPSCR.RMode says (Armv7-M
# ARM, VCVT between floating-point and fixed-point: FixedToFP with round to nearest; later QEMU
# has helpers for it). QEMU 5 uses the FPSCR mode. The standard FPSCR status rounds to nearest;
# its flush-to-zero and default-NaN settings cannot matter here (an integer input converts to a
# normal number), and QEMU merges its exception flags into FPSCR as it does the others'.
FPST_FPSCR = "fpst = get_fpstatus_ptr(tcg_ctx, false);"
FPST_FIXED_TO_FLOAT = "fpst = get_fpstatus_ptr(tcg_ctx, a->opc < 4); /* simtiny: to float: nearest */"

def _vfp_accesses(functions: tuple[str, ...], load: str, store: str, width: str, memop: str) -> list:
    """Edits that give the loads and stores of VFP functions an alignment requirement."""
    return [
        (name, f"gen_aa32_{kind}{size}(s, tmp, addr, get_mem_index(s));",
         f"gen_aa32_{kind}_{width}(s, tmp, addr, get_mem_index(s), {memop});", 1)
        for name in functions
        for kind, size in (("ld", load), ("st", store))
    ]


ALIGNED_ALWAYS = {
    "qemu/target/arm/translate.c": [
        ("trans_LDRD_rr", "MO_UL | s->be_data", WORD, 2),
        ("trans_STRD_rr", "MO_UL | s->be_data", WORD, 2),
        ("op_ldrd_ri", "MO_UL | s->be_data", WORD, 2),
        ("op_strd_ri", "MO_UL | s->be_data", WORD, 2),
        ("op_stm", "gen_aa32_st32(s, tmp, addr, mem_idx);", f"gen_aa32_st_i32(s, tmp, addr, mem_idx, {WORD});", 1),
        ("do_ldm", "gen_aa32_ld32u(s, tmp, addr, mem_idx);", f"gen_aa32_ld_i32(s, tmp, addr, mem_idx, {WORD});", 1),
    ],
    "qemu/target/arm/translate-vfp.inc.c": [
        *_vfp_accesses(("trans_VLDR_VSTR_sp", "trans_VLDM_VSTM_sp"), "32u", "32", "i32", WORD),
        *_vfp_accesses(("trans_VLDR_VSTR_dp", "trans_VLDM_VSTM_dp"), "64", "64", "i64", DOUBLE),
        *((name, FPST_FPSCR, FPST_FIXED_TO_FLOAT, 1) for name in ("trans_VCVT_fix_sp", "trans_VCVT_fix_dp")),
    ],
}
M_PROFILE_ALIGN = "        !arm_dc_feature(s, ARM_FEATURE_M_MAIN)) {\n        opc |= MO_ALIGN;"
M_PROFILE_ALIGN_OR_TRAP = (
    "        (!arm_dc_feature(s, ARM_FEATURE_M_MAIN) || s->uc->simtiny_unaligned_trap)) {\n        opc |= MO_ALIGN;"
)


class PatchError(Exception):
    """The sources do not look as the patch expects (another Unicorn version)."""


def _insert_after(text: str, anchor: str, addition: str, where: str) -> str:
    if text.count(anchor) != 1:
        raise PatchError(f"{where}: expected one '{anchor.strip()}', found {text.count(anchor)}")
    return text.replace(anchor, anchor + addition)


def _replace(text: str, old: str, new: str, count: int, where: str) -> str:
    if text.count(old) != count:
        raise PatchError(f"{where}: expected {count} of '{old.strip()}', found {text.count(old)}")
    return text.replace(old, new)


def _in_function(text: str, name: str, old: str, new: str, count: int, where: str) -> str:
    """Replace `old` by `new` inside the body of C function `name` (static, at column 0)."""
    heads = [m.start() for m in re.finditer(rf"^static \w+ {re.escape(name)}\(", text, re.MULTILINE)]
    if len(heads) != 1:
        raise PatchError(f"{where}: expected one function {name}, found {len(heads)}")
    end = text.find("\n}\n", heads[0])
    if end < 0:
        raise PatchError(f"{where}: no end to function {name}")
    body = _replace(text[heads[0] : end], old, new, count, f"{where}, {name}")
    return text[: heads[0]] + body + text[end:]


BYTE_STORE = "helper_ret_stb_mmu(env, addr + i, val8, oi, retaddr);"
# the byte stores that carry out a misaligned store keep no alignment requirement of their own
# (else a word-aligned 64-bit VSTR to a RAM page faults on its second byte; later QEMU does so)
BYTE_STORE_UNALIGNED = "helper_ret_stb_mmu(env, addr + i, val8, make_memop_idx(MO_UB, mmu_idx), retaddr);"


def _cputlb(text: str) -> str:
    return _replace(_plain_hooks_skip_sync(text), BYTE_STORE, BYTE_STORE_UNALIGNED, 1, "qemu/accel/tcg/cputlb.c")


def _plain_hooks_skip_sync(text: str) -> str:
    """In cputlb.c, the PC sync before the plain read, read-after and write hook callbacks."""
    pattern = re.compile(
        r"(HOOK_FOREACH\(uc, hook, UC_HOOK_MEM_(?:READ|READ_AFTER|WRITE)\) \{.*?)" + re.escape(SYNC_TEST),
        re.DOTALL,
    )
    patched, count = pattern.subn(lambda m: m.group(1) + NOSYNC_TEST, text)
    if count != 3:
        raise PatchError(f"qemu/accel/tcg/cputlb.c: expected 3 plain data-access hooks, found {count}")
    return patched


def _alignment(relative: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        for name, old, new, count in ALIGNED_ALWAYS[relative]:
            text = _in_function(text, name, old, new, count, relative)
        if relative.endswith("translate.c"):  # the i32 load and store helpers: UNALIGN_TRP
            text = _replace(text, M_PROFILE_ALIGN, M_PROFILE_ALIGN_OR_TRAP, 2, relative)
        return text

    return edit


EDITS: dict[str, Callable[[str], str]] = {
    "include/uc_priv.h": lambda t: _insert_after(
        t,
        "    bool skip_sync_pc_on_exit;\n",
        "    bool simtiny_mem_hooks_nosync;\n    bool simtiny_unaligned_trap;\n",
        "include/uc_priv.h",
    ),
    "include/unicorn/unicorn.h": lambda t: _insert_after(
        t, "uc_err uc_emu_stop(uc_engine *uc);\n", DECLARATION, "include/unicorn/unicorn.h"
    ),
    "uc.c": lambda t: _insert_after(
        t,
        "    uc->stop_request = true;\n    uc_err err = break_translation_loop(uc);\n"
        "    restore_jit_state(uc);\n    return err;\n}\n",
        DEFINITION,
        "uc.c",
    ),
    "qemu/accel/tcg/cputlb.c": _cputlb,
    "qemu/target/arm/translate.c": _alignment("qemu/target/arm/translate.c"),
    "qemu/target/arm/translate-vfp.inc.c": _alignment("qemu/target/arm/translate-vfp.inc.c"),
}


def apply_patch(source: Path) -> None:
    """Apply simtiny's edits to an unpacked Unicorn source tree (its `src` folder)."""
    for relative, edit in EDITS.items():
        path = source / relative
        if not path.is_file():
            raise PatchError(f"{relative}: not in the Unicorn sources")
        path.write_text(edit(path.read_text()))


def _run(command: list[str], cwd: Path | None = None, quiet: bool = True) -> None:
    result = subprocess.run(command, cwd=cwd, capture_output=quiet, text=True)
    if result.returncode != 0:
        tail = "\n".join(((result.stdout or "") + (result.stderr or "")).splitlines()[-15:])
        raise RuntimeError(f"{' '.join(command[:3])} ... failed (exit {result.returncode})\n{tail}")


def build(version: str, destination: Path, jobs: int) -> Path:
    """Download, patch and build Unicorn `version`; returns the installed library."""
    with tempfile.TemporaryDirectory(prefix="simtiny-unicorn-") as scratch:
        work = Path(scratch)
        print(f"build_patched: downloading the Unicorn {version} sources (pip)", flush=True)
        _run(
            [
                sys.executable,
                "-m",
                "pip",
                "download",
                "--no-binary",
                ":all:",
                "--no-deps",
                "--disable-pip-version-check",
                "-d",
                str(work),
                f"unicorn=={version}",
            ]
        )
        archives = sorted(work.glob("unicorn-*.tar.gz"))
        if not archives:
            raise RuntimeError("pip downloaded no Unicorn source archive")
        with tarfile.open(archives[0]) as archive:
            archive.extractall(work, filter="data")
        source = work / f"unicorn-{version}" / "src"
        apply_patch(source)
        print(f"build_patched: building the Arm target with CMake ({jobs} jobs)", flush=True)
        out = work / "build"
        generator = ["-G", "Ninja"] if shutil.which("ninja") else []
        _run(
            [
                "cmake",
                "-S",
                str(source),
                "-B",
                str(out),
                *generator,
                "-DCMAKE_BUILD_TYPE=Release",
                "-DUNICORN_ARCH=arm",
                "-DUNICORN_BUILD_TESTS=off",
            ]
        )
        _run(["cmake", "--build", str(out), f"-j{jobs}"])
        built = out / LIBRARY_NAME
        if not built.is_file():
            raise RuntimeError(f"the build made no {LIBRARY_NAME}")
        destination.mkdir(parents=True, exist_ok=True)
        staged = destination / f".{LIBRARY_NAME}.tmp"
        shutil.copy2(built, staged)
        os.replace(staged, destination / LIBRARY_NAME)
    return destination / LIBRARY_NAME


def _check(library: Path) -> bool:
    """Load the new library in a fresh interpreter, as simtiny will, and look for the patch."""
    probe = "from simtiny.sim.unicorn.patched import is_patched; raise SystemExit(0 if is_patched() else 1)"
    return subprocess.run([sys.executable, "-c", probe], capture_output=True).returncode == 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m simtiny.sim.unicorn.build_patched", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--force", action="store_true", help="rebuild even if the library is there")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 2, help="parallel compile jobs")
    args = parser.parse_args(argv)
    version = installed_version()
    folder = patched_folder(version) if version else None
    if version is None or folder is None:
        print("build_patched: Unicorn is not installed, or this platform has no patched build", file=sys.stderr)
        return 2
    if not SUPPORTED.match(version):
        print(f"build_patched: Unicorn {version} is not one the patch was written for (2.1.x)", file=sys.stderr)
        return 2
    if shutil.which("cmake") is None:
        print("build_patched: cmake not found (apt install cmake, or pip install cmake)", file=sys.stderr)
        return 2
    library = folder / LIBRARY_NAME
    if library.is_file() and not args.force and _check(library):
        print(f"build_patched: {library} is already built")
        return 0
    try:
        build(version, folder, max(1, args.jobs))
    except (PatchError, RuntimeError, OSError) as exc:
        print(f"build_patched: {exc}", file=sys.stderr)
        return 1
    if not _check(library):
        print(f"build_patched: {library} does not load as simtiny's patched Unicorn", file=sys.stderr)
        return 1
    print(f"build_patched: installed {library}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
