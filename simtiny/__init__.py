"""simtiny: simulate and verify int8 neural networks on Cortex-M7 microcontrollers."""

__version__ = "0.1.0"
