"""Service layer: settings, the ingest pipeline and the webhook outbox worker.

It sits above risk/policy/actions in the flow and below the HTTP API and the CLI.
"""
