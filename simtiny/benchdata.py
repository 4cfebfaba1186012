"""The published Table 3 figures that `simtiny bench` sets beside its own: reference data
measured on silicon by others, transcribed by hand, never results of this project."""

from __future__ import annotations

from dataclasses import dataclass

SOURCE = (
    'Table 3 of "Tiny Machine Learning: Progress and Futures", IEEE Circuits and Systems '
    "Magazine, Q3 2023, measured on a real STM32H743 (Cortex-M7, 480 MHz); the same figures are "
    'the "Measured Results" of mit-han-lab/tinyengine\'s README'
)

FRAMEWORKS: tuple[str, ...] = ("CMSIS-NN", "X-Cube-AI 7.3", "TinyEngine", "TF-Lite Micro")

# The budgets the paper's OOM refers to (512 KB SRAM, 2 MB flash), in bytes: KB = 1024 bytes
# throughout, as simtiny reports sizes.
SRAM_BUDGET = 512 * 1024
FLASH_BUDGET = 2 * 1024 * 1024


@dataclass(frozen=True)
class Published:
    """One framework's cell of the table: latency, peak SRAM and flash as printed."""

    latency_ms: float
    peak_sram_kb: float
    flash_kb: float


@dataclass(frozen=True)
class Network:
    """A row of the table: the model file's stem in benchmarks/models/ and the paper's figures
    per framework (None where the paper says OOM)."""

    name: str
    label: str
    published: dict[str, Published | None]


def _row(*cells: tuple[float, float, float] | None) -> dict[str, Published | None]:
    return {fw: (Published(*c) if c else None) for fw, c in zip(FRAMEWORKS, cells, strict=True)}


NETWORKS: tuple[Network, ...] = (
    Network(
        "mcunet-in4-r160",
        "mcunet-in4 (160x160)",
        _row(None, (516, 342, 1843), (463, 416, 1825), None),
    ),
    Network(
        "proxyless-w0.3-r64",
        "proxyless-w0.3 (64x64)",
        _row((54, 136, 1084), (35, 97, 865), (23, 35, 777), (512, 128, 1065)),
    ),
    Network(
        "proxyless-w0.3-r176",
        "proxyless-w0.3 (176x176)",
        _row((380, 453, 1084), (205, 221, 865), (176, 259, 779), (3801, 453, 1065)),
    ),
    Network(
        "mbv2-w0.3-r64",
        "mbv2-w0.3 (64x64)",
        _row((43, 173, 959), (29, 88, 768), (23, 61, 690), (467, 173, 940)),
    ),
)


def network(name: str) -> Network | None:
    """The paper's row for a model file stem, or None for a network the paper did not measure."""
    return next((n for n in NETWORKS if n.name == name), None)
