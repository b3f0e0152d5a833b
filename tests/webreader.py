"""The reader's site served in a thread of the test process, on 127.0.0.1, over real HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
from collections.abc import Callable
from typing import Any

from tornado.httpserver import HTTPServer

from bot.web.site import AddressLimit, Site, answer_alone, application
from index import Engine


class Reader:
    """``citebot web``'s site for ``engine``, served until `stop`."""

    def __init__(self, engine: Engine | Callable[[], Engine], per_minute: int = 10_000) -> None:
        self._engine = engine if callable(engine) else (lambda: engine)
        self._per_minute = per_minute
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self.site: Site | None = None
        self._server: Any = None
        self.port = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Reader:
        self._thread.start()
        if not self._ready.wait(30):
            raise RuntimeError("the reader did not start")
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_until_complete(self._serve())
        self._loop.run_forever()

    async def _serve(self) -> None:
        engine = self._engine
        self.site = Site(
            engine=engine,
            answer=answer_alone(engine, asyncio.Semaphore(4)),
            max_question_chars=1000,
            limit=AddressLimit(self._per_minute),
        )
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(64)
        listener.setblocking(False)
        self.port = listener.getsockname()[1]
        self._server = HTTPServer(application(self.site))
        self._server.add_sockets([listener])
        self._ready.set()

    def stop(self) -> None:
        def close() -> None:
            self._server.stop()
            self._loop.stop()

        self._loop.call_soon_threadsafe(close)
        self._thread.join(10)

    def __enter__(self) -> Reader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
