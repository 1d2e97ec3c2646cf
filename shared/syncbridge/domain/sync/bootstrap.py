"""Composition root for the sync services: wires them to DynamoDB and SQS.

The only module of `domain.sync` that knows the concrete adapters; handlers call these
factories, tests build the services with fakes instead. Nothing is cached here: the
adapters are cheap (boto3 clients are cached in `syncbridge.aws`, which the local runtime
resets), and a cached table would outlive a switch of endpoint or stack.
"""

from __future__ import annotations

from syncbridge.adapters.home.dynamodb import DynamoHomePlatform
from syncbridge.store.setup import DynamoAuditLog
from syncbridge.store.sync import EventMappingRepository, SetupProgressView


def event_mappings() -> EventMappingRepository:
    return EventMappingRepository()


def home_platform() -> DynamoHomePlatform:
    return DynamoHomePlatform()


def setup_progress() -> SetupProgressView:
    return SetupProgressView()


def audit_log() -> DynamoAuditLog:
    return DynamoAuditLog()

