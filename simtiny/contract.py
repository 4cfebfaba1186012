"""Constants of the firmware contract shared by the Python side and firmware/runtime (C)."""

STACK_PAINT_BYTE = 0xA5  # every byte of the stack holds this before the run
STACK_LIMIT_SYMBOLS = ("_stack_bottom", "__StackLimit", "_sstack", "__stack_start__")
STACK_SECTIONS = (".stack", "._user_heap_stack", ".stack_dummy")  # reservations, not data
RAM_KINDS = ("sram", "sram_d2", "sram_d3", "tcm")
