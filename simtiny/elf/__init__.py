"""Firmware images: the ELF read into plain dataclasses (image.py), GNU and LLD linker maps
(mapfile.py), and where the bytes go against a board's memory and budgets (size.py)."""
