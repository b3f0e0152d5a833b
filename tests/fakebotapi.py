"""A fake Telegram Bot API server over real HTTP on 127.0.0.1, for end-to-end tests.

It speaks the JSON shapes of the real API for the methods citebot uses, long-polls
`getUpdates` with offsets, and parses HTML into entities the way Telegram does, refusing
what Telegram refuses (unknown or unbalanced tags, text over 4096 characters). Tests play
users: they push updates and read what the bot sent.
"""

from __future__ import annotations

import collections
import itertools
import json
import socket
import threading
import time
import urllib.request
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import default
from html.parser import HTMLParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

# How often a test server looks for shutdown: serve_forever's 0.5 s default, waited out
# by every server a test stops, added up to most of a minute over the suite.
POLL = 0.02

TOKEN = "123456:TEST-token_for-the-fake-api"
BOT = {
    "id": 999,
    "is_bot": True,
    "first_name": "Citebot",
    "username": "citebot_test_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": True,
}
ENTITY = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-spoiler": "spoiler",
}
JSON_FIELDS = {
    "reply_markup",
    "results",
    "commands",
    "link_preview_options",
    "reply_parameters",
    "allowed_updates",
    "entities",
}
MAX_TEXT = 4096
MAX_DOWNLOAD = 20 * 1024 * 1024  # what a bot may download with getFile


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


def dropped() -> ApiError:
    """A fault that closes the connection without an answer, as a failing network does."""
    return ApiError(0, "connection dropped")


def utf16(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


class _Entities(HTMLParser):
    """Telegram's HTML mode: text plus entities with UTF-16 offsets."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=False)
        self.text = ""
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and ("class", "tg-spoiler") in attrs:
            tag = "tg-spoiler"
        if tag not in ENTITY:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: unsupported start tag "{tag}"'
            )
        extra: dict[str, Any] = {}
        if tag == "a":
            href = dict(attrs).get("href")
            if not href:
                raise ApiError(400, "Bad Request: can't parse entities: a without href")
            extra["url"] = href
        self.open.append((tag, utf16(self.text), extra))

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            tag = "tg-spoiler"
        if not self.open or self.open[-1][0] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: unexpected end tag "{tag}"')
        name, start, extra = self.open.pop()
        length = utf16(self.text) - start
        if length:
            self.entities.append(
                {"type": ENTITY[name], "offset": start, "length": length, **extra}
            )

    def handle_data(self, data: str) -> None:
        # Telegram: every <, > and & outside a tag or an entity must be escaped.
        if any(char in data for char in "<>&"):
            raise ApiError(400, "Bad Request: can't parse entities: unescaped <, > or &")
        self.text += data

    def handle_entityref(self, name: str) -> None:
        named = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
        if name not in named:
            raise ApiError(400, f"Bad Request: can't parse entities: unsupported entity &{name};")
        self.text += named[name]

    def handle_charref(self, name: str) -> None:
        self.text += chr(int(name[1:], 16) if name[:1] in "xX" else int(name))


def parse_html(html: str) -> tuple[str, list[dict[str, Any]]]:
    parser = _Entities()
    parser.feed(html)
    parser.close()
    if parser.open:
        raise ApiError(
            400, f'Bad Request: can\'t parse entities: unclosed tag "{parser.open[-1][0]}"'
        )
    parser.entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return parser.text, parser.entities


class FakeBotAPI:
    """The server and the world it simulates: users, chats, messages."""

    def __init__(self, token: str = TOKEN) -> None:
        self.token = token
        self.updates: list[dict[str, Any]] = []
        self.sent: list[dict[str, Any]] = []  # messages the bot sent or edited, in order
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.callback_answers: list[dict[str, Any]] = []
        self.inline_answers: list[dict[str, Any]] = []
        self.rejected: list[tuple[str, str]] = []  # (method, description) the API refused
        self.webhook: dict[str, Any] = {}
        self.files: dict[str, bytes] = {}  # documents users sent, by file id
        self.blocked: set[int] = set()  # chats whose user blocked the bot
        self._faults: dict[str, list[ApiError]] = {}
        # Webhook delivery, as Telegram with a reverse proxy before replicas: each update is
        # POSTed to the next of ``targets`` in turn (or to ``next_target``, where set).
        self.targets: list[str] = []
        self.secret = ""
        self.next_target: int | None = None
        self.delivered: list[tuple[int, int]] = []  # (update_id, index of the target)
        # How many getUpdates answers carried each update (a bot that received one twice
        # would answer it twice), and the offset the bot has confirmed up to.
        self.handed: collections.Counter[int] = collections.Counter()
        self.confirmed = 0
        self.pushed = 0  # the id of the latest update
        self._turn = itertools.count()
        self._ids = itertools.count(1)
        self._update_ids = itertools.count(1)
        self._condition = threading.Condition()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": POLL}, daemon=True
        )

    def fail_next(self, method: str, *errors: ApiError) -> None:
        """Answer the next calls of ``method`` with ``errors``, one each, then normally."""
        with self._condition:
            self._faults.setdefault(method, []).extend(errors)

    def start(self) -> FakeBotAPI:
        self._thread.start()
        return self

    def stop(self) -> None:
        with self._condition:
            self._condition.notify_all()
        self._server.shutdown()
        self._server.server_close()

    # -- the simulated world ------------------------------------------------------------------

    def send_text(
        self,
        user: dict[str, Any],
        text: str,
        chat: dict[str, Any] | None = None,
        reply_to: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """A user sends ``text`` (in private unless ``chat`` is given)."""
        where = chat or {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": where,
            "from": user,
            "text": text,
        }
        if text.startswith("/"):
            command = text.split()[0]
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": utf16(command)}]
        if reply_to is not None:
            message["reply_to_message"] = reply_to
        self._push({"message": message})
        return message

    def press(self, user: dict[str, Any], message: dict[str, Any], data: str) -> None:
        """A user presses the inline button with callback ``data`` under ``message``."""
        buttons = [
            b for row in message.get("reply_markup", {}).get("inline_keyboard", []) for b in row
        ]
        if data not in [b.get("callback_data") for b in buttons]:
            raise AssertionError(f"no button {data!r} under that message")
        self._push(
            {
                "callback_query": {
                    "id": str(next(self._ids)),
                    "from": user,
                    "message": message,
                    "chat_instance": "1",
                    "data": data,
                }
            }
        )

    def document(self, user: dict[str, Any], name: str, data: bytes, mime: str) -> dict[str, Any]:
        """A user sends a file (in private); the bot can get it with getFile and download it."""
        file_id = f"file{next(self._ids)}"
        self.files[file_id] = data
        chat = {"id": user["id"], "type": "private", "first_name": user["first_name"]}
        message: dict[str, Any] = {
            "message_id": next(self._ids),
            "date": int(time.time()),
            "chat": chat,
            "from": user,
            "document": {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_name": name,
                "mime_type": mime,
                "file_size": len(data),
            },
        }
        self._push({"message": message})
        return message

    def inline(self, user: dict[str, Any], query: str) -> str:
        """A user types ``@bot query`` in some chat; returns the inline query id."""
        query_id = str(next(self._ids))
        self._push({"inline_query": {"id": query_id, "from": user, "query": query, "offset": ""}})
        return query_id

    def wait(self, predicate: Callable[[], Any], timeout: float = 60.0) -> Any:
        """Wait until ``predicate()`` is truthy (re-checked on every API call); return it."""
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                found = predicate()
                if found:
                    return found
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError("timed out waiting for the bot")
                self._condition.wait(min(left, 0.2))

    def received_once(self) -> bool:
        """Once the bot has confirmed every update so far: whether it received each once (by
        polling; a webhook's are POSTed once each, `delivered`)."""
        self.wait(lambda: self.confirmed > self.pushed)
        return all(count == 1 for count in self.handed.values())

    def sent_to(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in self.sent if m["chat"]["id"] == chat_id]

    def deliver(self, targets: list[str], secret: str) -> None:
        """From now on, POST each update to ``targets`` in turn with the webhook's secret."""
        self.targets, self.secret = targets, secret

    def _push(self, update: dict[str, Any]) -> None:
        numbered = {"update_id": next(self._update_ids), **update}
        self.pushed = numbered["update_id"]
        if self.targets:
            self._post(numbered)
            return
        with self._condition:
            self.updates.append(numbered)
            self._condition.notify_all()

    def _post(self, update: dict[str, Any]) -> None:
        index = next(self._turn) % len(self.targets)
        if self.next_target is not None:
            index, self.next_target = self.next_target, None
        request = urllib.request.Request(
            self.targets[index],
            data=json.dumps(update).encode(),
            headers={
                "Content-Type": "application/json",
                "X-Telegram-Bot-Api-Secret-Token": self.secret,
            },
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 200, response.status
        with self._condition:
            self.delivered.append((update["update_id"], index))

    # -- the API --------------------------------------------------------------------------------

    def call(self, method: str, params: dict[str, Any]) -> Any:
        with self._condition:
            self.calls.append((method, params))
            self._condition.notify_all()
        with self._condition:
            faults = self._faults.get(method)
            fault = faults.pop(0) if faults else None
        if fault is not None:
            raise fault
        handler = getattr(self, f"_api_{method}", None)
        if handler is None:
            raise ApiError(404, "Not Found")
        return handler(params)

    def _api_getMe(self, params: dict[str, Any]) -> Any:  # noqa: N802 - Bot API names
        return BOT

    def _api_deleteWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return True

    def _api_setMyCommands(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> Any:  # noqa: N802
        if not str(params.get("url", "")).startswith(("https://", "http://127.0.0.1")):
            raise ApiError(400, "Bad Request: bad webhook: HTTPS url must be provided")
        self.webhook = dict(params)
        return True

    def _api_sendChatAction(self, params: dict[str, Any]) -> Any:  # noqa: N802
        return True

    def _api_getUpdates(self, params: dict[str, Any]) -> Any:  # noqa: N802
        offset = int(params.get("offset", 0) or 0)
        timeout = min(float(params.get("timeout", 0) or 0), 5.0)
        deadline = time.monotonic() + timeout
        with self._condition:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]  # confirmed
            self.confirmed = max(self.confirmed, offset)
            self._condition.notify_all()
            while not self.updates and time.monotonic() < deadline:
                self._condition.wait(deadline - time.monotonic())
            handed = list(self.updates[: int(params.get("limit", 100) or 100)])
            self.handed.update(u["update_id"] for u in handed)
            return handed

    def _api_sendMessage(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = int(params["chat_id"])
        if chat_id in self.blocked:
            raise ApiError(403, "Forbidden: bot was blocked by the user")
        message = self._message(params, chat_id, next(self._ids))
        with self._condition:
            self.sent.append(message)
            self._condition.notify_all()
        return message

    def _api_editMessageText(self, params: dict[str, Any]) -> Any:  # noqa: N802
        message = self._message(params, int(params["chat_id"]), int(params["message_id"]))
        with self._condition:
            self.sent.append({**message, "edited": True})
            self._condition.notify_all()
        return message

    def _api_sendPhoto(self, params: dict[str, Any]) -> Any:  # noqa: N802
        chat_id = int(params["chat_id"])
        photo = params.get("photo")
        if not isinstance(photo, bytes) or not photo.startswith(b"\x89PNG"):
            raise ApiError(400, "Bad Request: wrong type of the web page content")
        caption = str(params.get("caption", ""))
        if utf16(parse_html(caption)[0] if params.get("parse_mode") == "HTML" else caption) > 1024:
            raise ApiError(400, "Bad Request: message caption is too long")
        message = self._message({**params, "text": caption}, chat_id, next(self._ids))
        message["photo"] = [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]
        message["png"] = photo
        with self._condition:
            self.sent.append(message)
            self._condition.notify_all()
        return {k: v for k, v in message.items() if k != "png"}

    def _api_getFile(self, params: dict[str, Any]) -> Any:  # noqa: N802
        file_id = str(params["file_id"])
        if file_id not in self.files:
            raise ApiError(400, "Bad Request: invalid file_id")
        size = len(self.files[file_id])
        if size > MAX_DOWNLOAD:
            raise ApiError(400, "Bad Request: file is too big")
        path = f"documents/{file_id}"
        return {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_size": size,
            "file_path": path,
        }

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        with self._condition:
            self.callback_answers.append(params)
            self._condition.notify_all()
        return True

    def _api_answerInlineQuery(self, params: dict[str, Any]) -> Any:  # noqa: N802
        results = params.get("results", [])
        if len(results) > 50:
            raise ApiError(400, "Bad Request: too many inline query results")
        for result in results:
            content = result["input_message_content"]
            if content.get("parse_mode") == "HTML":
                text, _ = parse_html(content["message_text"])
                if utf16(text) > MAX_TEXT:
                    raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        with self._condition:
            self.inline_answers.append(params)
            self._condition.notify_all()
        return True

    def _message(self, params: dict[str, Any], chat_id: int, message_id: int) -> dict[str, Any]:
        raw = str(params.get("text", ""))
        if params.get("parse_mode") == "HTML":
            text, entities = parse_html(raw)
        else:
            text, entities = raw, []
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16(text) > MAX_TEXT:
            raise ApiError(400, "Bad Request: message is too long")
        chat = {"id": chat_id, "type": "private" if chat_id > 0 else "group"}
        for row in (params.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if "web_app" in button and chat["type"] != "private":
                    raise ApiError(400, "Bad Request: BUTTON_TYPE_INVALID")  # as Telegram
                if "web_app" in button and not button["web_app"]["url"].startswith("https://"):
                    raise ApiError(400, "Bad Request: BUTTON_URL_INVALID")
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": BOT,
            "text": text,
            "html": raw,
        }
        if entities:
            message["entities"] = entities
        if params.get("reply_markup"):
            message["reply_markup"] = params["reply_markup"]
        replied = (params.get("reply_parameters") or {}).get("message_id")
        if replied:
            message["reply_to_message_id"] = int(replied)
        return message

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                prefix = f"/file/bot{api.token}/documents/"
                path = unquote(urlparse(self.path).path)  # PTB quotes the token's colon
                if path.startswith(prefix) and path[len(prefix) :] in api.files:
                    body = api.files[path[len(prefix) :]]
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                    return
                self._serve(parse_qs(urlparse(self.path).query))

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                kind = self.headers.get("Content-Type", "")
                if kind.startswith("multipart/form-data"):  # an upload: sendPhoto
                    self._serve({k: [v] for k, v in _multipart(kind, raw).items()}, raw=True)
                    return
                body = raw.decode("utf-8")
                if kind.startswith("application/json"):
                    self._serve({k: [v] for k, v in json.loads(body or "{}").items()}, raw=True)
                else:
                    self._serve(parse_qs(body, keep_blank_values=True))

            def _serve(self, query: dict[str, list[Any]], raw: bool = False) -> None:
                parts = urlparse(self.path).path.strip("/").split("/")
                if len(parts) != 2 or parts[0] != f"bot{api.token}":
                    self._reply(
                        401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    )
                    return
                params = {k: v[-1] if raw else _decode(k, v[-1]) for k, v in query.items()}
                try:
                    result = api.call(parts[1], params)
                except ApiError as error:
                    api.rejected.append((parts[1], error.description))
                    if error.code == 0:  # dropped: no status line, no body, just gone
                        self.close_connection = True
                        self.connection.shutdown(socket.SHUT_RDWR)
                        return
                    payload: dict[str, Any] = {
                        "ok": False,
                        "error_code": error.code,
                        "description": error.description,
                    }
                    if error.retry_after is not None:
                        payload["parameters"] = {"retry_after": error.retry_after}
                    self._reply(error.code, payload)
                    return
                self._reply(200, {"ok": True, "result": result})

            def _reply(self, status: int, payload: dict[str, Any]) -> None:
                body = json.dumps(payload).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                try:
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client went away (a bot stopped mid long poll): as Telegram does

        return Handler


def _multipart(kind: str, body: bytes) -> dict[str, Any]:
    """A multipart/form-data body's fields: text, JSON where Telegram sends JSON, or bytes."""
    message = BytesParser(policy=default).parsebytes(
        f"Content-Type: {kind}\r\n\r\n".encode() + body
    )
    fields: dict[str, Any] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if part.get_filename() is not None:
            fields[str(name)] = data
        else:
            fields[str(name)] = _decode(str(name), data.decode("utf-8"))
    return fields


def _decode(name: str, value: str) -> Any:
    if name in JSON_FIELDS:
        return json.loads(value)
    return value
