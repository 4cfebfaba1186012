"""Stage progress: every stage on a terminal; in a log, only stages that last."""

from __future__ import annotations

import io
import time

from simtiny.progress import StageProgress


def test_a_terminal_sees_every_stage_as_it_starts():
    stream = io.StringIO()
    with StageProgress(stream, tty=True) as progress:
        progress("building firmware")
        progress("simulating sample 1/1")
    assert stream.getvalue() == "simtiny: building firmware...\nsimtiny: simulating sample 1/1...\n"


def test_a_log_sees_only_stages_that_last():
    stream = io.StringIO()
    with StageProgress(stream, tty=False, every=0.05) as progress:
        progress("quick stage")
        progress("long stage")
        time.sleep(0.3)
    lines = stream.getvalue().splitlines()
    assert lines, "a long stage must show it is alive"
    assert all(line.startswith("simtiny: long stage (") for line in lines), lines


def test_a_quick_run_leaves_a_log_untouched():
    stream = io.StringIO()
    with StageProgress(stream, tty=False, every=5.0) as progress:
        progress("loading and validating the model")
    assert stream.getvalue() == ""
