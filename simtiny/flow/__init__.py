"""The flow from a .tflite model to a verdict, one module per stage:

    simtiny.model          load (the .tflite file read into a graph, normalised)
    flow/validate/         validate: every operator compilable, before anything is built
    flow/plan.py           plan: tensor lifetimes -> arena offsets, in place where legal
    flow/codegen.py        codegen: C for the model (constants, the operator calls, the arena)
    flow/build.py          build: toolchains, firmware for a board (cached by content)
    flow/simulate.py       simulate: inputs in, outputs and cycle stamps out, on an engine
    flow/measure.py        measure: the one Figures value (flash, SRAM, stack, cycles, MACs)
    flow/golden.py         golden: LiteRT's reference kernels, in a child process
    flow/verify.py         verify: bit-for-bit comparison, the first difference in words
    flow/run.py            the stages strung together: compile_model, run_model
    flow/run_elf.py        simulate and measure an ELF simtiny did not write: run_firmware

Each stage takes plain values and returns one; no stage reaches back. The fronts (cli.py, the
Robot library, the pytest plugin, check.py, bench/) call flow/run.py, or simtiny.api.
"""
