"""Test API on the shared resolver: validation, domain errors and an unexpected crash."""

import time

from aws_lambda_powertools.logging import correlation_paths
from pydantic import BaseModel, Field

from syncbridge.api.policy import RoutePolicy
from syncbridge.api.resolver import make_resolver
from syncbridge.domain.errors import Conflict
from syncbridge.observability import logger

# The product's policy table does not know this test API: its routes are public here.
app = make_resolver(
    policies={
        ("POST", "/items"): RoutePolicy(public=True, body="json"),
        ("GET", "/boom"): RoutePolicy(public=True),
        ("GET", "/who/{name}"): RoutePolicy(public=True),
    }
)


class Item(BaseModel):
    name: str = Field(min_length=1)
    quantity: int


@app.post("/items")
def create_item(item: Item) -> dict:
    if item.name == "taken":
        raise Conflict("an item with that name exists", name=item.name)
    return {"created": item.model_dump()}


@app.get("/boom")
def boom() -> dict:
    raise ValueError("secret internals in /some/file.py")


@app.get("/who/<name>")
def who(name: str) -> dict:
    time.sleep(0.01)  # widen the window in which a concurrent request could swap the event
    return {"name": name, "path": app.current_event.path}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_REST)
def lambda_handler(event, context):
    if event["path"] == "/crash":
        raise RuntimeError("the handler itself crashed")
    return app.resolve(event, context)
