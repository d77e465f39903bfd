"""Every context's models, imported in one place so that Alembic sees the whole schema."""

from parcours.accounts import models as accounts_models
from parcours.cases import models as cases_models
from parcours.channels import models as channels_models
from parcours.customers import models as customers_models
from parcours.db import Base
from parcours.experience import models as experience_models
from parcours.interactions import models as interactions_models

metadata = Base.metadata

__all__ = [
    "accounts_models",
    "cases_models",
    "channels_models",
    "customers_models",
    "experience_models",
    "interactions_models",
    "metadata",
]
