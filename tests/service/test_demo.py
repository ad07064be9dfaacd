"""Demo mode: the bundled examples replayed through the real HTTP API raise alerts."""

from __future__ import annotations

from service_helpers import Harness, live_server, sqlite_url

from safeguarding.api.demo import example_conversations, replay_examples
from safeguarding.api.server import demo_key
from safeguarding.client import SafeguardingClient


def test_examples_replay_through_the_api(tmp_path) -> None:
    conversations = example_conversations()
    assert conversations
    h = Harness(sqlite_url(tmp_path), webhooks_enabled=False)
    try:
        token = demo_key(h.repo)
        with live_server(h) as url, SafeguardingClient(url, token) as client:
            summary = replay_examples(client)
            assert summary["conversations"] == len(conversations)
            grooming = [c for c in conversations if c.is_grooming]
            assert summary["alerts"] >= 1 if grooming else summary["alerts"] >= 0
            first = conversations[0]
            stored = client.conversation(first.id)
            assert stored["message_count"] == len(first.messages)
            # Replaying again is idempotent: nothing new is created.
            again = replay_examples(client)
            assert again["alerts"] == summary["alerts"]
            assert client.conversation(first.id)["message_count"] == len(first.messages)
    finally:
        h.close()
