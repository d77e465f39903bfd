"""The application's routes as (method, path template) pairs, read from the app itself, so that
a route added later is in the security matrices without anyone listing it."""

from __future__ import annotations

import re
from collections.abc import Mapping

from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts

from parcours.app import create_app
from parcours.config import Settings
from parcours.db import Database, create_db_engine

_PARAMETER = re.compile(r"\{(\w+)(?::\w+)?\}")


def shape_of_the_app() -> FastAPI:
    """The app as it is wired, for reading its routes only (its database is never opened)."""
    return create_app(Settings(environment="test"), Database(create_db_engine("sqlite://")))


def routes(app: FastAPI, prefix: str) -> list[tuple[str, str]]:
    """Every (method, path template) of the app's routes under ``prefix``, sorted.

    FastAPI 0.165 keeps included routers nested in ``app.routes``; ``iter_route_contexts``
    yields the routes as they are served (prefixes and router dependencies applied).
    """
    found = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.path is not None
        and (context.path == prefix or context.path.startswith(prefix + "/"))
        for method in context.methods or ()
    }  # fmt: skip
    return sorted(found, key=lambda route: (route[1], route[0]))


def routes_taking(app: FastAPI, prefix: str, query_parameter: str) -> list[tuple[str, str]]:
    """The routes of :func:`routes` whose endpoint takes ``query_parameter`` in its query."""
    found = {
        (method, context.path)
        for context in iter_route_contexts(app.routes)
        if isinstance(context.original_route, APIRoute) and context.path is not None
        and (context.path == prefix or context.path.startswith(prefix + "/"))
        and any(parameter.name == query_parameter
                for parameter in context.original_route.dependant.query_params)
        for method in context.methods or ()
    }  # fmt: skip
    return sorted(found, key=lambda route: (route[1], route[0]))


def filled(path: str, values: Mapping[str, str]) -> str:
    """The path with each ``{parameter}`` replaced by its value; KeyError naming a parameter
    that has none."""
    return _PARAMETER.sub(lambda match: values[match.group(1)], path)


def route_id(route: tuple[str, str]) -> str:
    return f"{route[0]} {route[1]}"
