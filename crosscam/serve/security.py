"""Who may talk to the server and which files it hands out.

- Off loopback an access token is required; every request then carries it (header ``X-Crosscam-Token``, or the
  cookie set when a link with ``?token=`` is first opened).
- A state-changing request (any POST) must come from the server's own pages: ``Sec-Fetch-Site`` / ``Origin`` must
  not name another site, and the form (or the ``X-CSRF-Token`` header) must carry the page's CSRF token.
- Without a token, requests must address the server by the name it listens on (or a loopback name), so that a
  page whose host name is re-pointed to 127.0.0.1 (DNS rebinding) cannot read it.
- Files are served only from a few folders inside the run folder, after resolving links and ``..``.
"""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from crosscam.errors import CrosscamError

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
TOKEN_COOKIE = "crosscam_token"
TOKEN_HEADER = "x-crosscam-token"
CSRF_HEADER = "x-csrf-token"
SERVED_FOLDERS = {"thumbnails", "videos", "serve_clips"}
SERVED_SUFFIXES = {".jpg", ".jpeg", ".png", ".mp4", ".webm"}


def check_binding(host: str, token: str | None) -> None:
    """Refuse to listen beyond loopback without a token."""
    if host not in LOOPBACK and not token:
        raise CrosscamError(f"--host {host} is reachable from other machines: give --token T (or set CROSSCAM_TOKEN)")


def host_name(host_header: str) -> str:
    """``127.0.0.1:8000`` -> ``127.0.0.1``; ``[::1]:8000`` -> ``::1``."""
    return urlsplit(f"//{host_header}").hostname or ""


def same_secret(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def cross_site(headers, host: str) -> bool:
    """True when the browser says the request comes from another site (requests without these headers pass)."""
    fetch_site = headers.get("sec-fetch-site")
    if fetch_site is not None and fetch_site not in ("same-origin", "none"):
        return True
    origin = headers.get("origin")
    return origin is not None and (origin == "null" or urlsplit(origin).netloc != host)


def served_file(folder: Path, relative: str) -> Path | None:
    """The file ``relative`` names inside the run folder's served folders, or None (outside, hidden or absent)."""
    parts = Path(relative).parts
    if not parts or parts[0] not in SERVED_FOLDERS or any(p in ("..", "") or p.startswith(".") for p in parts):
        return None
    root = folder.resolve()
    path = (root / relative).resolve()
    if not path.is_relative_to(root / parts[0]) or path.suffix.lower() not in SERVED_SUFFIXES or not path.is_file():
        return None
    return path
