"""Friendly error pages for people, plain JSON for programs: a page that does not exist or a
failure inside gets the console's look (French or English) on any path a browser asks for; the
API (``/api/…``) keeps FastAPI's JSON answers."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import Response
from starlette.exceptions import HTTPException

from parcours.web import i18n
from parcours.web.console import language_of, render

logger = logging.getLogger(__name__)


def _wants_page(request: Request) -> bool:
    return not request.url.path.startswith("/api/") and "text/html" in request.headers.get(
        "accept", ""
    )


async def _http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, HTTPException)
    if error.status_code == 404 and _wants_page(request):
        language_of(request, None)
        return render(request, "not_found.html", 404, me=None,
                      message=i18n.gettext("Cette page n'existe pas."))  # fmt: skip
    return await http_exception_handler(request, error)


async def _failure(request: Request, error: Exception) -> Response:
    logger.exception("failure on %s %s", request.method, request.url.path, exc_info=error)
    if _wants_page(request):
        return render(request, "error.html", 500, me=None)
    return Response('{"detail":"internal error"}', 500, media_type="application/json")


def install(app: FastAPI) -> None:
    app.add_exception_handler(HTTPException, _http_error)
    app.add_exception_handler(Exception, _failure)
