"""Cross-site request forgery: every form POST carries a token derived from the signed-in token, and
comes from this server's own origin.

The form token is an HMAC of the signed-in token under a key the server draws when it starts: a page
of another site can neither read it (same-origin policy) nor compute it. The Origin check refuses
a form posted from another origin of the same site (another port of the host), where the
SameSite=Strict cookie would still be sent.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from urllib.parse import urlsplit

from starlette.requests import Request

from casetrail.adapters.http.pages.access import PageRefused, Visitor

FIELD = "csrf"
_SIGN_IN = b"sign-in"


class FormKey:
    def __init__(self) -> None:
        self._key = secrets.token_bytes(32)

    def token(self, signed_in: bytes) -> str:
        return hmac.new(self._key, b"form:" + signed_in, hashlib.sha256).hexdigest()

    def form_token_of(self, visitor: Visitor) -> str:
        return self.token(visitor.token.encode("utf-8", "surrogateescape"))

    def sign_in_token(self) -> str:
        return self.token(_SIGN_IN)


def check_origin(request: Request) -> None:
    """The form came from a page of this server: Origin (or, without it, Referer) names our own origin."""
    said = request.headers.get("origin") or request.headers.get("referer")
    if said is None:
        raise PageRefused("this form came without an Origin header; post it from casetrail's own page")
    parts = urlsplit(said)
    host = request.headers.get("host", "")
    if parts.scheme != request.url.scheme or parts.netloc != host:
        raise PageRefused(f"this form was posted from {parts.scheme}://{parts.netloc}, not from this server's "
                          "own pages; it is refused")


def check_form(request: Request, visitor: Visitor, sent: str | None, key: FormKey) -> None:
    """A form posted with the sign-in cookie: from our origin, with the form token of its signed-in token.
    A bearer token is no ambient credential: a request that carries it was written on purpose."""
    if not visitor.by_cookie:
        return
    check_origin(request)
    if not sent or not hmac.compare_digest(sent, key.form_token_of(visitor)):
        raise PageRefused("this form's csrf token is missing or not the one of your sign-in; reload the page and try again")
