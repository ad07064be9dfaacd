"""Demo mode: the bundled examples replayed through the real HTTP API raise alerts."""

from __future__ import annotations

from service_helpers import Harness, live_server, sqlite_url

from safeguarding.api.demo import demo_console, example_conversations, replay_examples
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
            # The demo people and queues: several queues have cases, one is under appeal.
            tenant = h.repo.find_tenant("demo")
            console = demo_console(h.app.state.console, tenant.id)
            assert set(console["logins"]) == {"moderator", "specialist", "lead"}
            assert console["queues"]["appeals"] == 1
            assert sum(1 for q, n in console["queues"].items() if n and q != "appeals") >= 2
            login = h.app.state.console.accounts.login(
                tenant.id, "specialist", console["logins"]["specialist"]
            )
            assert login.user.role == "specialist"
            again = demo_console(h.app.state.console, tenant.id)  # a restart: new passwords
            assert again["logins"]["lead"] != console["logins"]["lead"]
            assert again["queues"]["appeals"] == 1
    finally:
        h.close()
