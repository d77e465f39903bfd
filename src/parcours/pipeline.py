"""Prepare the next batches in a worker process while this one stores, in file order.

Normalising a record costs about as much as storing it, so a big import checks and normalises the
next batches in one worker process (``spawn``: nothing of the parent's database connections is
inherited) while the importing process stores the current one. Batches are still stored one after
the other, in order, so the result is the same as without the worker. The worker exits as soon as
the importing process is gone, even after ``kill -9``.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from typing import Any, Generic, TypeVar

Batch = TypeVar("Batch")
Prepared = TypeVar("Prepared")

#: Files above this size are prepared in a worker process.
BACKGROUND_PREPARATION_BYTES = 256 * 1024
#: Batches prepared ahead of the one being stored.
AHEAD = 2


def worth_a_worker(size_in_bytes: int) -> bool:
    return (os.cpu_count() or 1) > 1 and size_in_bytes >= BACKGROUND_PREPARATION_BYTES


def _die_with_parent() -> None:
    """In the worker: exit as soon as the importing process is gone (even after ``kill -9``)."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


class PreparingPipeline(Generic[Batch, Prepared]):
    """``submit`` batches; each is prepared (here or in the worker) and handed to ``store``
    together with what was submitted with it, in submission order."""

    def __init__(
        self,
        prepare: Callable[[Batch], Prepared],
        store: Callable[[Prepared, Any], None],
        *,
        in_background: bool,
    ) -> None:
        self.prepare = prepare
        self.store = store
        self.executor = (
            ProcessPoolExecutor(
                1, mp_context=multiprocessing.get_context("spawn"), initializer=_die_with_parent
            )
            if in_background
            else None
        )
        self.in_flight: deque[tuple[Future[Prepared], Any]] = deque()

    def submit(self, batch: Batch, context: Any = None) -> None:
        if self.executor is None:
            self.store(self.prepare(batch), context)
            return
        self.in_flight.append((self.executor.submit(self.prepare, batch), context))
        if len(self.in_flight) > AHEAD:
            self._store_oldest()

    def drain(self) -> None:
        while self.in_flight:
            self._store_oldest()

    def close(self) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=True)

    def _store_oldest(self) -> None:
        future, context = self.in_flight.popleft()
        self.store(future.result(), context)

    @property
    def in_background(self) -> bool:
        return self.executor is not None
