"""One logger, tracer and metrics object for the whole service.

Configured by the standard `POWERTOOLS_*` environment variables that the template sets,
so handlers and domain code share one correlation id and one metrics namespace.
"""

from aws_lambda_powertools import Logger, Metrics, Tracer

logger = Logger()
tracer = Tracer()
metrics = Metrics(namespace="SyncBridge")
