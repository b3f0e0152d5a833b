"""Fetching a page or a document over HTTP, as a careful client: bounded and never inward.

Only ``http`` and ``https``; at most `MAX_REDIRECTS` redirects, each hop checked like the first;
a timeout on every step; at most ``max_bytes`` read (a response is streamed and cut off, not
trusted for its Content-Length); a User-Agent that names citebot. No private, loopback,
link-local or otherwise non-public address is contacted unless ``allow_private``: the check
is on the addresses the host name resolves to, not on the name's text, so a public-looking
name that points inward is refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from index.errors import SourceError
from index.text.sanitize import shorten

MAX_REDIRECTS = 5
USER_AGENT = (
    "citebot/0.1 (a bot that quotes news on Azerbaijan-China relations with citations; "
    "what it fetches and why: see README.md, 'Adding articles')"
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
    return sorted({str(info[4][0]) for info in infos})


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
    """GET ``url``, following redirects by hand so that every hop is checked.

    ``etag`` and ``last_modified`` make it a conditional GET (a feed polled again): an
    unchanged resource comes back with status 304 and no body. ``transport`` is an httpx
    transport (tests pass `httpx.MockTransport`).

    Raises:
        SourceError: a refused address or scheme, a redirect loop or too many redirects, an
            HTTP error status, a timeout, a response over ``max_bytes``, a network failure.
    """
    import httpx  # imported late: only adding articles fetches anything

    seen: set[str] = set()
    headers = {"User-Agent": USER_AGENT, "Accept": "text/html,application/pdf,*/*;q=0.5"}
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    with httpx.Client(
        timeout=timeout, follow_redirects=False, headers=headers, transport=transport
    ) as client:
        for _ in range(MAX_REDIRECTS + 1):
            check_url(url, allow_private, resolver)
            if url in seen:
                raise SourceError(f"{shorten(url)} redirects in a loop")
            seen.add(url)
            try:
                with client.stream("GET", url) as response:
                    if response.status_code == 304:  # before is_redirect, which counts it
                        return Fetched(url, "", b"", 304, etag, last_modified)
                    if response.is_redirect:
                        location = response.headers.get("location", "")
                        url = urljoin(url, location)
                        continue
                    if response.status_code >= 400:
                        raise SourceError(
                            f"{shorten(url)} answered {response.status_code} "
                            f"{response.reason_phrase or ''}".rstrip()
                        )
                    body = _read(response, max_bytes, url)
                    kind = response.headers.get("content-type", "").split(";")[0].strip()
                    return Fetched(
                        url,
                        kind.lower(),
                        body,
                        response.status_code,
                        response.headers.get("etag"),
                        response.headers.get("last-modified"),
                    )
            except httpx.TimeoutException:
                raise SourceError(f"{shorten(url)} did not answer within {timeout:g} s") from None
            except httpx.HTTPError as error:
                raise SourceError(f"{shorten(url)} could not be fetched ({error})") from None
    raise SourceError(f"{shorten(url)}: more than {MAX_REDIRECTS} redirects")


def _read(response: Any, max_bytes: int, url: str) -> bytes:
    chunks, size = [], 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > max_bytes:
            raise SourceError(
                f"{shorten(url)} is over the {max_bytes / 1e6:g} MB limit "
                "(CITEBOT_MAX_DOWNLOAD_BYTES)"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def check_url(url: str, allow_private: bool, resolver: Resolver = resolve) -> None:
    """Refuse what citebot never fetches.

    Raises:
        SourceError: not http(s), no host, or a host that is or resolves to a non-public
            address (unless ``allow_private``).
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise SourceError(f"{shorten(url)}: only http and https links can be added")
    host = parts.hostname
    if not host:
        raise SourceError(f"{shorten(url)} has no host")
    if allow_private:
        return
    try:
        addresses = [str(ipaddress.ip_address(host))]
    except ValueError:
        addresses = resolver(host)
    for address in addresses:
        if not ipaddress.ip_address(address).is_global:
            raise SourceError(
                f"{shorten(url)} leads to {address}, a private or local address: citebot "
                "fetches public pages only (CITEBOT_ALLOW_PRIVATE_URLS=1 allows others)"
            )
