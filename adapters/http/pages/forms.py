"""A posted form (``application/x-www-form-urlencoded``), read without a multipart library."""

from __future__ import annotations

from urllib.parse import parse_qs

from starlette.requests import Request

from casetrail.adapters.http.pages.access import PageRefused

# A page's form is a few fields of text: a rationale, an explanation, some evidence.
MAX_FORM_BYTES = 256 * 1024


class Form:
    def __init__(self, fields: dict[str, list[str]]) -> None:
        self._fields = fields

    def one(self, name: str) -> str | None:
        values = self._fields.get(name)
        return values[0].strip() if values else None

    def required(self, name: str, label: str) -> str:
        value = self.one(name)
        if not value:
            raise PageRefused(f"{label}: this field is required", status=400)
        return value

    def every(self, name: str) -> list[str]:
        return [v.strip() for v in self._fields.get(name, []) if v.strip()]


async def read_form(request: Request) -> Form:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise PageRefused(f"a page's form is sent as application/x-www-form-urlencoded, not {kind or 'nothing'}",
                          status=415)
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageRefused(f"the form is over {MAX_FORM_BYTES} bytes", status=413)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise PageRefused("the form is not UTF-8", status=400) from None
    return Form(parse_qs(text, keep_blank_values=True, max_num_fields=1000))
