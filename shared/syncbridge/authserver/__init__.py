"""Sync Bridge's own OAuth 2.0 authorization server (authlib), its DynamoDB store and pages.

ERPs (e.g. Ekos pushing change events) and people (browser pages) obtain short-lived opaque
tokens here; the API authorizer resolves them to a `Principal` through the same store.
"""
