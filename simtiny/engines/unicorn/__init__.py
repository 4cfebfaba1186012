"""The Unicorn-based engine: CPU emulation plus the pieces Unicorn lacks."""
