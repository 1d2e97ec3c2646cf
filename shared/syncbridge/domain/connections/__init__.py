"""ERP connections: our OAuth client flow (start, callback, disconnect), tokens encrypted at
rest and refreshed safely across concurrent workers, and the import command a new
connection enqueues. Modules: `service` (connect flow), `tokens` (TokenProvider backed by
the repository), `messages` (ImportCommand), `ports`, `models`, `errors`, `pkce`. The wiring to DynamoDB,
KMS, SQS, Secrets Manager and the Ekos adapter is `syncbridge.roots.keg`.
"""
