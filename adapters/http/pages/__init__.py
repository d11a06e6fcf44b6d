"""The pages of ``casetrail serve``: cases, one case's swimlanes, reports, sign-in (docs/pages.md).

Server-rendered from Jinja2 templates with autoescape; every asset is served from ``static/``.
"""
