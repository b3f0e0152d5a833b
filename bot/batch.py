"""Questions that arrive together are embedded together.

While one batch is being searched, new questions wait; the next batch takes all of them (up
to a limit). A question asked alone starts at once, so batching adds no delay when the bot is
quiet, and under load each model runs once per batch instead of once per question.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

MAX_BATCH = 32

T = TypeVar("T")
Many = Callable[[Sequence[str], int], list[T]]  # questions and k in, one result a question


class Batcher(Generic[T]):
    """Runs ``many`` (blocking; called in a worker thread) over batched questions."""

    def __init__(self, many: Callable[[], Many[T]]) -> None:
        # A callable returning the function, so an engine swapped by /reload is used at once.
        self._many = many
        self._pending: list[tuple[str, int, asyncio.Future[T]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches: deque[int] = deque(maxlen=1000)  # sizes of the latest batches

    async def ask(self, question: str, k: int) -> T:
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._pending.append((question, k, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
            self.batches.append(len(batch))
            for k in sorted({k for _, k, _ in batch}):
                same = [(q, f) for q, kk, f in batch if kk == k]
                try:
                    found = await asyncio.to_thread(self._many(), [q for q, _ in same], k)
                except Exception as error:
                    if len(same) == 1:
                        _fail(same[0][1], error)
                    else:  # one bad question must not fail the others: each alone
                        for question, future in same:
                            await self._alone(question, k, future)
                    continue
                for (_, future), result in zip(same, found, strict=True):
                    _resolve(future, result)

    async def _alone(self, question: str, k: int, future: asyncio.Future[T]) -> None:
        try:
            (result,) = await asyncio.to_thread(self._many(), [question], k)
        except Exception as error:  # the caller gets the error, as if it asked alone
            _fail(future, error)
        else:
            _resolve(future, result)


def _resolve(future: asyncio.Future[T], result: T) -> None:
    if not future.done():  # else the caller gave up waiting
        future.set_result(result)


def _fail(future: asyncio.Future[T], error: Exception) -> None:
    if not future.done():
        future.set_exception(error)
