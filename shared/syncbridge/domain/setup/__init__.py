"""The guided setup: import -> match -> review -> apply, one resource type after another."""
