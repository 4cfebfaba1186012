"""Where the chunks of a validation run: this process (one worker), a pool of local processes
(one per core by default), or a Dask distributed cluster. Each worker gets the job (the built
model, its ELF, the float model) once, then chunks of samples; records come back per chunk."""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from simtiny.errors import InputError, SimtinyError, printable
from simtiny.flow.dataset import Sample, ValidationJob, evaluate_chunk

Received = Callable[[list[dict[str, Any]]], None]
Submit = Callable[[ValidationJob, list[list[Sample]], Received], None]

# The job of this worker process, set once by the pool's initializer: the pool's way of sending
# it to each worker once rather than with every chunk. Only pool workers ever set it.
_POOL_JOB: dict[str, ValidationJob] = {}


def default_workers() -> int:
    """One worker per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def in_process(job: ValidationJob, chunks: list[list[Sample]], received: Received) -> None:
    """One worker: this process."""
    for chunk in chunks:
        received(evaluate_chunk(job, chunk))


def _pool_init(job: ValidationJob) -> None:
    _POOL_JOB["job"] = job


def _pool_chunk(chunk: list[Sample]) -> list[dict[str, Any]]:
    return evaluate_chunk(_POOL_JOB["job"], chunk)


def _start_method() -> str:
    """fork where there is one (Linux): a worker starts with this process's imports and its copy
    of the job, in milliseconds rather than the second a spawned interpreter takes to import
    simtiny. Safe here: this process holds no simulator or reference when the pool starts (the
    references run in child processes of their own), and the only other thread it may have, the
    progress display, takes no lock a worker ever uses. Elsewhere, spawn."""
    return "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"


def local_pool(workers: int) -> Submit:
    """`workers` local processes, each given the job once (the pool's initializer)."""

    def submit(job: ValidationJob, chunks: list[list[Sample]], received: Received) -> None:
        if workers <= 1:
            in_process(job, chunks, received)
            return
        context = multiprocessing.get_context(_start_method())
        with ProcessPoolExecutor(workers, mp_context=context, initializer=_pool_init, initargs=(job,)) as pool:
            _drain([pool.submit(_pool_chunk, c) for c in chunks], received, pool.shutdown)

    return submit


def _drain(futures: list[Future], received: Received, stop: Callable[..., Any]) -> None:
    """Hand each chunk's records over as it completes; the first failure stops the rest."""
    pending = set(futures)
    try:
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for f in finished:
                received(f.result())
    except BaseException:
        for f in pending:
            f.cancel()
        stop(wait=False, cancel_futures=True)
        raise


def _reachable(address: str, timeout: float) -> None:
    """A plain TCP scheduler address that refuses connections fails at once, not after the
    client's whole timeout of retries."""
    import socket
    from urllib.parse import urlsplit

    scheme = address.split("://", 1)[0] if "://" in address else "tcp"
    if scheme != "tcp":
        return  # tls://, ucx://, ...: the client checks them
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        host, port = None, None
    if not host or not port:
        raise InputError(f"--cluster {address}: not a scheduler address (tcp://HOST:PORT)")
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = printable(exc.strerror or str(exc), 80)
        raise InputError(f"--cluster {address}: cannot reach a Dask scheduler there ({reason})") from None


def dask_cluster(address: str, timeout: float = 30.0) -> tuple[Submit, int]:
    """The chunks on a Dask distributed cluster (its scheduler at `address`), and how many
    workers it has. The job is scattered to every worker once."""
    try:
        from distributed import Client, as_completed
    except ImportError:
        raise InputError("--cluster needs Dask's distributed package: pip install 'simtiny[cluster]'") from None
    _reachable(address, min(timeout, 10.0))
    try:
        client = Client(address, timeout=timeout, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as exc:
        reason = printable(str(exc), 120)
        raise InputError(f"--cluster {address}: cannot reach a Dask scheduler there ({reason})") from None
    workers = len(client.scheduler_info().get("workers", {}))
    if not workers:
        client.close()
        raise InputError(f"--cluster {address}: the scheduler has no workers (start some: dask worker {address})")

    def submit(job: ValidationJob, chunks: list[list[Sample]], received: Received) -> None:
        try:
            shared = client.scatter(job, broadcast=True)
            futures = [client.submit(evaluate_chunk, shared, c, pure=False) for c in chunks]
            for future in as_completed(futures, loop=client.loop):
                try:
                    received(future.result())
                except SimtinyError:
                    raise
                except Exception as exc:  # a worker without simtiny, or one that died
                    for f in futures:
                        f.cancel()
                    reason = printable(f"{type(exc).__name__}: {exc}", 200)
                    raise SimtinyError(f"--cluster {address}: a worker failed: {reason}") from None
        finally:
            client.close()

    return submit, workers
