"""The environment the template hands every function, as one typed model.

Read once per call of a root's factory (cheap), never cached: the local runtime runs each
function with its own environment, and tests switch endpoints and stacks between cases.
Stores still resolve their own table names (`syncbridge.aws.table`); the queue settings
below are the *names* of the variables holding queue URLs, so a store resolves the URL
when it sends (the variable may be set after the service was built).
"""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """What the composition roots decide from the environment (names match the template)."""

    model_config = SettingsConfigDict(extra="ignore", frozen=True, case_sensitive=False)

    # keg side: Ekos
    ekos_base_url: str = ""
    import_page_size: int = Field(default=200, ge=1, le=200)  # the contract's maximum
    dead_letter_queue_prefix: str = ""  # the admin routes see this stack's DLQs only
    # pest side: Odoo and Microshare (a tenant's secret may name its own URLs)
    odoo_base_url: str = ""
    microshare_api_url: str = ""
    microshare_auth_url: str = ""
    microshare_settle_seconds: float = Field(default=1.0, ge=0)
    pest_table: str = ""
    # the function's own name (Lambda sets it; "local" elsewhere)
    aws_lambda_function_name: str = "local"
