"""The tenant's review answers and learned weights on DynamoDB (moto)."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from syncbridge import aws
from syncbridge.domain.setup.models import ReviewLabel
from syncbridge.store.labels import DynamoLabelRepository
from tests.helpers.moto import offline_aws

pytestmark = pytest.mark.integration


@pytest.fixture
def store(monkeypatch):
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    offline_aws(monkeypatch)
    with mock_aws():
        aws.reset_clients()
        monkeypatch.setenv("SETUP_TABLE", "setup_table")
        boto3.client("dynamodb", region_name="us-east-1").create_table(
            TableName="setup_table",
            AttributeDefinitions=[{"AttributeName": a, "AttributeType": "S"} for a in ("pk", "sk")],
            KeySchema=[
                {"AttributeName": "pk", "KeyType": "HASH"},
                {"AttributeName": "sk", "KeyType": "RANGE"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        yield DynamoLabelRepository()
    aws.reset_clients()


def test_answers_are_kept_per_tenant_and_type_and_the_latest_wins(store) -> None:
    store.add("t1", "products", [ReviewLabel(external_id="e1", internal_id="k1", match=True)])
    store.add("t1", "products", [ReviewLabel(external_id="e1", internal_id="k1", match=False),
                                 ReviewLabel(external_id="e2", internal_id="k2", match=True)])  # fmt: skip
    store.add("t2", "products", [ReviewLabel(external_id="e9", internal_id="k9", match=True)])
    got = {(x.external_id, x.internal_id, x.match) for x in store.labels("t1", "products")}
    assert got == {("e1", "k1", False), ("e2", "k2", True)}
    assert store.labels("t1", "customer-locations") == []
    assert [x.external_id for x in store.labels("t2", "products")] == ["e9"]


def test_many_answers_come_back_past_one_page(store) -> None:
    many = [ReviewLabel(external_id=f"e{n}", internal_id="k" + "x" * 300, match=n % 2 == 0)
            for n in range(3000)]  # fmt: skip
    store.add("t1", "products", many)
    assert len(store.labels("t1", "products")) == 3000


def test_learned_weights_round_trip_per_profile(store) -> None:
    assert store.parameters("t1", "location") is None
    store.save_parameters("t1", "location", {"name": [0.7, 0.2, 0.1]})
    assert store.parameters("t1", "location") == {"name": [0.7, 0.2, 0.1]}
    assert store.parameters("t1", "product") is None
    assert store.parameters("t2", "location") is None
