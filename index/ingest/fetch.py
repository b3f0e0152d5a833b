"""Fetching a page or a document over HTTP, as a careful client: bounded and never inward.

Only ``http`` and ``https``; at most `MAX_REDIRECTS` redirects, each hop checked like the first;
one wall-clock deadline for the whole fetch, redirects included (a server that sends a byte a
second is cut off when it runs out, not after each byte); at most ``max_bytes`` read (a
response is streamed and cut off, not trusted for its Content-Length); a User-Agent that names
citebot. No private, loopback, link-local or otherwise non-public address is contacted unless
``allow_private``: a host name is resolved once, every address it gives is checked
(`index.ingest.addresses`), and the connection goes to an address that was checked, never to
what a second lookup might answer (DNS rebinding). The Host header and the TLS server name
stay the host's.
"""

from __future__ import annotations

import ipaddress
import socket
import ssl
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpcore

from index.errors import SourceError
from index.ingest.addresses import is_public
from index.text.sanitize import shorten

MAX_REDIRECTS = 5
USER_AGENT = (
    "citebot/0.1 (a bot that quotes news on Azerbaijan-China relations with citations; "
    "what it fetches and why: see docs/corpus.md)"
)
Resolver = Callable[[str], list[str]]


@dataclass(frozen=True)
class Fetched:
    """A response body and where it finally came from."""

    url: str  # after redirects
    content_type: str  # the media type, lower case, without parameters
    body: bytes
    status: int = 200  # 304: not modified since the ETag or date asked with (no body)
    etag: str | None = None
    last_modified: str | None = None


def resolve(host: str) -> list[str]:
    """Every address ``host`` resolves to."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except socket.gaierror as error:
        raise SourceError(f"{host} can't be found ({error.strerror})") from None
    except UnicodeError:
        raise SourceError(f"{shorten(host)} is not a valid host name") from None
    return list(dict.fromkeys(str(info[4][0]) for info in infos))  # in the resolver's order


def fetch(
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    allow_private: bool = False,
    resolver: Resolver = resolve,
    transport: Any = None,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET ``url`` within ``timeout`` seconds in all, following redirects by hand so that
    every hop is checked.

    ``etag`` and ``last_modified`` make it a conditional GET (a feed polled again): an
    unchanged resource comes back with status 304 and no body. ``transport`` is an httpx
    transport (tests pass `httpx.MockTransport`); without one, connections go only to the
    addresses each hop's check resolved.

    Raises:
        SourceError: a refused address or scheme, a redirect loop or too many redirects, an
            HTTP error status, the deadline passed, a response over ``max_bytes``, a network
            failure.
    """
    import httpx  # imported late: only adding articles fetches anything

    deadline = Deadline(timeout)
    pinned = PinnedBackend(deadline)
    seen: set[str] = set()
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/pdf,*/*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with httpx.Client(
        follow_redirects=False,  # each request is given what is left of the deadline
        headers=headers,
        transport=transport or _transport(pinned),
        trust_env=False,  # no proxy from the environment: it would connect where it likes
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            addresses = check_url(url, allow_private, resolver)
            if url in seen:
                raise SourceError(f"{shorten(url)} redirects in a loop")
            seen.add(url)
            try:
                pinned.pin(httpx.URL(url).raw_host.decode("ascii"), addresses)
                with client.stream("GET", url, timeout=deadline.left()) as response:
                    if response.is_redirect and response.status_code != 304:
                        url = urljoin(url, response.headers.get("location", ""))
                        continue
                    return _fetched(response, url, max_bytes, deadline, etag, last_modified)
            except (httpx.TimeoutException, httpcore.TimeoutException):
                raise SourceError(f"{shorten(url)} did not answer within {timeout:g} s") from None
            except (httpx.HTTPError, httpcore.NetworkError, httpcore.ProtocolError) as error:
                raise SourceError(f"{shorten(url)} could not be fetched ({error})") from None
            except httpx.InvalidURL as error:
                raise SourceError(f"{shorten(url)} is not a valid link ({error})") from None
    raise SourceError(f"{shorten(url)}: more than {MAX_REDIRECTS} redirects")


def _fetched(
    response: Any,
    url: str,
    max_bytes: int,
    deadline: Deadline,
    etag: str | None,
    last_modified: str | None,
) -> Fetched:
    """What a final (not redirecting) response brings: nothing new (304), or its body.

    Raises:
        SourceError: an HTTP error status, or a body over ``max_bytes`` or late.
    """
    if response.status_code == 304:
        return Fetched(url, "", b"", 304, etag, last_modified)
    if response.status_code >= 400:
        raise SourceError(
            f"{shorten(url)} answered {response.status_code} "
            f"{response.reason_phrase or ''}".rstrip()
        )
    body = _read(response, max_bytes, url, deadline)
    kind = response.headers.get("content-type", "").split(";")[0].strip()
    return Fetched(
        url,
        kind.lower(),
        body,
        response.status_code,
        response.headers.get("etag"),
        response.headers.get("last-modified"),
    )


def _read(response: Any, max_bytes: int, url: str, deadline: Deadline) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        deadline.left()
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(
                f"{shorten(url)} is over the {max_bytes / 1e6:g} MB limit "
                "(CITEBOT_MAX_DOWNLOAD_BYTES)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def check_url(url: str, allow_private: bool, resolver: Resolver = resolve) -> list[str]:
    """Refuse what citebot never fetches; the addresses that may be connected to.

    A host name is resolved once, here; the caller connects to what this returns.

    Raises:
        SourceError: not http(s), no host, or a host that is or resolves to a non-public
            address (unless ``allow_private``).
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises on a port out of range
    except ValueError as error:
        raise SourceError(f"{shorten(url)} is not a valid link ({error})") from None
    if parts.scheme not in ("http", "https"):
        raise SourceError(f"{shorten(url)}: only http and https links can be added")
    if not host:
        raise SourceError(f"{shorten(url)} has no host")
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolver(host)
    if not addresses:
        raise SourceError(f"{shorten(url)}: {shorten(host)} has no address")
    for address in addresses:
        if not allow_private and not is_public(address):
            raise SourceError(
                f"{shorten(url)} leads to {address}, a private or local address: citebot "
                "fetches public pages only (CITEBOT_ALLOW_PRIVATE_URLS=1 allows others)"
            )
    return addresses


class Deadline:
    """One wall-clock limit for a whole fetch."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._at = time.monotonic() + seconds

    def left(self, timeout: float | None = None) -> float:
        """The seconds left, no more than ``timeout``.

        Raises:
            httpcore.TimeoutException: none are left.
        """
        left = self._at - time.monotonic()
        if left <= 0:
            raise httpcore.ReadTimeout(f"the fetch ran over its {self.seconds:g} s")
        return left if timeout is None else min(timeout, left)


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore's network layer, connecting each host only to the addresses checked for it,
    and bounding every connect, read and write by the fetch's deadline."""

    def __init__(self, deadline: Deadline) -> None:
        self._deadline = deadline
        self._inner = httpcore.SyncBackend()
        self._addresses: dict[str, list[str]] = {}

    def pin(self, host: str, addresses: list[str]) -> None:
        self._addresses[host.lower()] = addresses

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = self._addresses.get(host.lower())
        if not addresses:  # never: every hop is checked before it is requested
            raise httpcore.ConnectError(f"{host} was not checked before connecting")
        failure: Exception | None = None
        for address in addresses:  # a dual-stack host may be out of reach on one of them
            try:
                stream = self._inner.connect_tcp(
                    address, port, self._deadline.left(timeout), local_address, socket_options
                )
            except httpcore.ConnectError as error:
                failure = error
                continue
            return _BoundedStream(stream, self._deadline)
        raise failure or httpcore.ConnectError(f"{host} could not be reached")

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise httpcore.ConnectError("citebot connects to public addresses only")

    def sleep(self, seconds: float) -> None:
        time.sleep(min(seconds, self._deadline.left()))


class _BoundedStream(httpcore.NetworkStream):
    def __init__(self, inner: httpcore.NetworkStream, deadline: Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.left(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.left(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        secure = self._inner.start_tls(ssl_context, server_hostname, self._deadline.left(timeout))
        return _BoundedStream(secure, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


def _transport(backend: PinnedBackend) -> Any:
    """An httpx transport whose connections go through ``backend``."""
    import httpx

    transport = httpx.HTTPTransport(trust_env=False)
    transport._pool = httpcore.ConnectionPool(
        ssl_context=httpx.create_ssl_context(trust_env=False), network_backend=backend
    )
    return transport
