"""The FastAPI application factory: JSON API under /api/v1, web pages under /."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from sqlalchemy import text

import parcours
from parcours.cases.api import router as cases_router
from parcours.cases.chat_api import router as chat_api_router
from parcours.cases.inbox_api import router as inbox_router
from parcours.cases.webhooks_api import router as webhooks_router
from parcours.channels.api import router as consents_router
from parcours.config import Settings, get_settings
from parcours.customers.api import router as customers_router
from parcours.customers.resolution_api import router as resolution_router
from parcours.db import Database, ensure_database_ready
from parcours.deps import DatabaseDep, case_scope, customer_scope, requires
from parcours.experience.api import router as surveys_router
from parcours.interactions.api import router as interactions_router
from parcours.web import errors
from parcours.web.chat import router as chat_router
from parcours.web.console import router as console_router
from parcours.web.console_admin import router as console_admin_router
from parcours.web.console_admin_staff import router as console_admin_staff_router
from parcours.web.console_cases import router as console_cases_router
from parcours.web.console_chat import router as console_chat_router
from parcours.web.console_customer import router as console_customer_router
from parcours.web.console_dashboard import router as console_dashboard_router
from parcours.web.console_inbox import router as console_inbox_router
from parcours.web.console_matches import router as console_matches_router
from parcours.web.pages import router as pages_router
from parcours.web.survey_pages import router as survey_pages_router


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health")
    def health(database: DatabaseDep) -> dict[str, Any]:
        """Liveness and database reachability, for load balancers and monitoring."""
        with database.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return {"status": "ok", "version": parcours.__version__, "database": database.dialect}

    return router


def create_app(settings: Settings | None = None, database: Database | None = None) -> FastAPI:
    settings = settings or get_settings()
    if database is None:
        database = Database(
            ensure_database_ready(settings.resolved_database_url),
            raise_subscriber_errors=settings.environment != "production",
        )
    app = FastAPI(
        title="Parcours",
        version=parcours.__version__,
        description="One customer, one thread, every channel. Authenticate with an API token "
        "(`parcours tokens create NAME`) sent as `Authorization: Bearer <token>`.",
        docs_url="/docs",
        openapi_url="/openapi.json",
    )
    app.state.settings = settings
    app.state.database = database
    api = APIRouter(prefix="/api/v1")
    api.include_router(_health_router())
    customers = [requires("customers.read", "customers.write"), Depends(customer_scope)]
    cases = [requires("cases.read", "cases.write"), Depends(case_scope)]
    api.include_router(resolution_router, dependencies=customers)
    api.include_router(customers_router, dependencies=customers)
    api.include_router(interactions_router, dependencies=customers)
    api.include_router(cases_router, dependencies=cases)
    api.include_router(surveys_router, dependencies=[requires("surveys.read", "surveys.write")])
    api.include_router(consents_router)
    api.include_router(inbox_router, dependencies=[requires("cases.read", "customers.write")])
    api.include_router(chat_api_router, dependencies=cases)
    api.include_router(webhooks_router)  # signed by the providers, no token
    app.include_router(api)
    app.include_router(_health_router())
    app.include_router(pages_router)
    app.include_router(survey_pages_router)
    app.include_router(chat_router)
    app.include_router(console_router)
    app.include_router(console_customer_router)
    app.include_router(console_cases_router)
    app.include_router(console_inbox_router)
    app.include_router(console_chat_router)
    app.include_router(console_dashboard_router)
    app.include_router(console_matches_router)
    app.include_router(console_admin_router)
    app.include_router(console_admin_staff_router)
    errors.install(app)
    return app
