"""Faults in words, the same whichever engine met them: an engine names what happened with one of
these and the board service turns it into a `Fault` with the code location and its symbol."""

from __future__ import annotations

# Core exceptions (ARMv7-M B1.5): what ends a run because the firmware has no handler for it (its
# vector is Default_Handler or a `b .`), or the handler cannot run (lockup).
UNDEFINED_INSTRUCTION = "undefined instruction (UsageFault UNDEFINSTR)"
SUPERVISOR_CALL = "supervisor call (SVC) with no SVC_Handler"
FETCH_BUS_FAULT = "bus fault on instruction fetch"
DATA_BUS_FAULT = "bus fault on data access"
EXCEPTION_RETURN = "exception return (branch to an EXC_RETURN value) with no exception active"
COPROCESSOR_DISABLED = "coprocessor access while disabled (UsageFault NOCP): enable the FPU in CPACR"
INVALID_STATE = "invalid state (UsageFault INVSTATE): branch to an address without the Thumb bit"
STACK_OVERFLOW = "stack overflow (UsageFault STKOF)"
LAZY_FP = "lazy floating-point state preservation fault"
LAZY_STATE = "lazy state error"
UNALIGNED = "unaligned access (UsageFault UNALIGNED)"
DIVIDE_BY_ZERO = "divide by zero with CCR.DIV_0_TRP set (UsageFault DIVBYZERO)"
WAIT_FOR_INTERRUPT = "core halted (WFI) with no enabled interrupt that can wake it"
WAIT_FOR_EVENT = "core halted (WFE) with no enabled interrupt that can wake it"
# A `b .` loop no enabled interrupt can leave: the run ends at once (status "fault") instead of
# spinning to the instruction budget.
HANG = "hang: endless loop (b .) that no enabled interrupt can leave"
LOCKUP = "lockup: a fault while HardFault or NMI runs, or with FAULTMASK set"
VECTOR_UNREADABLE = "exception vector table unreadable"
STACKING = "exception entry could not push its frame (stack outside RAM)"
RESET_REQUEST = "system reset requested (AIRCR.SYSRESETREQ)"

# Memory accesses the board's map does not allow, by (what, why).
MEMORY = {
    ("read", "unmapped"): "unmapped read",
    ("write", "unmapped"): "unmapped write",
    ("fetch", "unmapped"): "instruction fetch from unmapped memory",
    ("write", "protected"): "write to read-only memory",
    ("read", "protected"): "read from unreadable memory",
    ("fetch", "protected"): "instruction fetch from non-executable memory",
}


def hard_fault(cause: str) -> str:
    """A core exception that escalates to HardFault (the firmware has no handler simtiny runs)."""
    return f"hard fault: {cause}"


def breakpoint_fault(number: int) -> str:
    return f"breakpoint (bkpt #{number})"
