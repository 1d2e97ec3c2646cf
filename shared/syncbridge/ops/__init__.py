"""Operator tools (replaying dead-letter queues, ...), usable on AWS and locally."""
