"""Questions that arrive together are embedded together.

While one batch is being searched, new questions wait; the next batch takes all of them (up
to a limit). A question asked alone starts at once, so batching adds no delay when the bot is
quiet, and under load each model runs once per batch instead of once per question.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable, Sequence

from index.records import Hit

MAX_BATCH = 32

SearchMany = Callable[[Sequence[str], int], list[list[Hit]]]


class Batcher:
    """Runs ``search_many`` (blocking; called in a worker thread) over batched questions."""

    def __init__(self, search_many: Callable[[], SearchMany]) -> None:
        # A callable returning the function, so an engine swapped by /reload is used at once.
        self._search_many = search_many
        self._pending: list[tuple[str, int, asyncio.Future[list[Hit]]]] = []
        self._worker: asyncio.Task[None] | None = None
        self.batches: deque[int] = deque(maxlen=1000)  # sizes of the latest batches

    async def search(self, question: str, k: int) -> list[Hit]:
        future: asyncio.Future[list[Hit]] = asyncio.get_running_loop().create_future()
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
                    found = await asyncio.to_thread(self._search_many(), [q for q, _ in same], k)
                except Exception as error:
                    if len(same) == 1:
                        _settle(same[0][1], error=error)
                    else:  # one bad question must not fail the others: each alone
                        for question, future in same:
                            await self._alone(question, k, future)
                    continue
                for (_, future), hits in zip(same, found, strict=True):
                    _settle(future, hits)

    async def _alone(self, question: str, k: int, future: asyncio.Future[list[Hit]]) -> None:
        try:
            (hits,) = await asyncio.to_thread(self._search_many(), [question], k)
        except Exception as error:  # the caller gets the error, as if it searched alone
            _settle(future, error=error)
        else:
            _settle(future, hits)


def _settle(
    future: asyncio.Future[list[Hit]],
    hits: list[Hit] | None = None,
    error: Exception | None = None,
) -> None:
    if future.done():  # the caller gave up waiting
        return
    if error is not None:
        future.set_exception(error)
    else:
        future.set_result(hits or [])
