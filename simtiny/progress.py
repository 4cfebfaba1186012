"""Progress of the flow's stages on standard error: on a terminal, each stage as it starts; in a
log (CI, a pipe), a line only for a stage that lasts, every `every` seconds, so a long build or
simulation shows it is alive without filling quick runs' logs."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from types import TracebackType
from typing import TextIO


class StageProgress:
    """A callable taking the name of the stage that starts; use it as a context manager."""

    def __init__(self, stream: TextIO | None = None, tty: bool | None = None, every: float = 10.0) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every
        self._lock = threading.Lock()
        self._stage = ""
        self._started = 0.0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def __call__(self, stage: str) -> None:
        with self._lock:
            self._stage, self._started = stage, time.monotonic()
        if self.tty:
            self._print(f"simtiny: {stage}...")

    def __enter__(self) -> StageProgress:
        if not self.tty:
            self._thread = threading.Thread(target=self._tick, name="simtiny-progress", daemon=True)
            self._thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, value: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def _tick(self) -> None:
        while not self._stop.wait(self.every):
            with self._lock:
                stage, elapsed = self._stage, time.monotonic() - self._started
            if stage and elapsed >= self.every:
                self._print(f"simtiny: {stage} ({elapsed:.0f} s)...")

    def _print(self, line: str) -> None:
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: progress is not worth failing for
            print(line, file=self.stream, flush=True)


class SampleProgress:
    """Samples done out of a total, with samples per second: a tqdm bar on a terminal, a plain line
    every `every` seconds (and at the end) in a log."""

    def __init__(self, what: str, stream: TextIO | None = None, tty: bool | None = None, every: float = 10.0) -> None:
        self.what = what
        self.stream = stream if stream is not None else sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.every = every
        self._bar = None
        self._first: int | None = None
        self._start = time.monotonic()
        self._last_line = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if self._first is None:
            self._first, self._start = done, now
        if self.tty:
            if self._bar is None:
                from tqdm import tqdm

                self._bar = tqdm(total=total, initial=done, desc=self.what, unit="sample", file=self.stream)
            self._bar.update(done - self._bar.n)
            return
        if done == total or now - self._last_line >= self.every:
            self._last_line = now
            new, seconds = done - self._first, now - self._start
            rate = f", {new / seconds:.2f} samples/s" if new and seconds > 0 else ""
            with contextlib.suppress(OSError, ValueError):
                print(f"simtiny: {self.what}: {done:,}/{total:,} samples{rate}", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
