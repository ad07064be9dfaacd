"""The one module that talks to NATS: connection, streams, consumers and key-value buckets.

The rest of the queue package speaks in partitions, events and leases; this wrapper keeps
nats-py's API (and its exceptions) in one place. ``QueueUnavailable`` is what callers see
when JetStream cannot take or give a message now (down, unreachable, stream full).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import nats
import nats.errors
import nats.js.errors
from nats.aio.client import Client
from nats.aio.msg import Msg
from nats.js import JetStreamContext
from nats.js.api import (
    AckPolicy,
    ConsumerConfig,
    DeliverPolicy,
    DiscardPolicy,
    RetentionPolicy,
    StorageType,
    StreamConfig,
)
from nats.js.kv import KeyValue

from safeguarding.service.queue.names import QueueNames

log = logging.getLogger("safeguarding.queue")

DUPLICATE_WINDOW_S = 120.0  # JetStream's de-duplication window by Nats-Msg-Id
ACK_WAIT_S = 30.0  # redelivery after this without an ack (a worker heartbeats in between)

# What a publish or request raises when the server cannot take the message now.
NATS_ERRORS: tuple[type[BaseException], ...] = (
    nats.errors.Error,
    asyncio.TimeoutError,
    TimeoutError,
    OSError,
)


class QueueUnavailable(Exception):
    """JetStream did not acknowledge: unreachable, no stream, or the stream is full."""


PartitionSub = JetStreamContext.PullSubscription
Message = Msg


class JetStreamLink:
    """A connection to NATS and the JetStream objects of one stream name."""

    def __init__(self, nc: Client, names: QueueNames) -> None:
        self.nc = nc
        self.js = nc.jetstream()
        self.names = names

    @classmethod
    async def connect(
        cls,
        url: str,
        names: QueueNames,
        *,
        name: str = "safeguarding",
        on_state: Callable[[str], Awaitable[None]] | None = None,
    ) -> JetStreamLink:
        """Connect (reconnecting forever after a loss; publishes fail fast meanwhile)."""

        async def report(state: str) -> None:
            log.warning("nats %s", state)
            if on_state is not None:
                await on_state(state)

        async def disconnected() -> None:
            await report("disconnected")

        async def reconnected() -> None:
            await report("reconnected")

        async def error(exc: Exception) -> None:
            log.warning("nats error: %s", type(exc).__name__)

        nc = await nats.connect(
            url,
            name=name,
            max_reconnect_attempts=-1,
            reconnect_time_wait=0.5,
            connect_timeout=2,
            allow_reconnect=True,
            pending_size=8 * 1024 * 1024,
            disconnected_cb=disconnected,
            reconnected_cb=reconnected,
            error_cb=error,
        )
        return cls(nc, names)

    async def close(self) -> None:
        if not self.nc.is_closed:
            try:
                await self.nc.drain()
            except NATS_ERRORS:
                await self.nc.close()

    @property
    def connected(self) -> bool:
        return bool(self.nc.is_connected)

    # --- streams -------------------------------------------------------------------------
    async def ensure_streams(self, max_messages: int) -> None:
        """Create (or update) the event stream and the dead-letter stream.

        The event stream is a work queue: a message is removed once a worker acknowledged
        it, and a full stream refuses new messages (``discard new``) rather than dropping
        acknowledged ones, so the API can answer 503."""
        names = self.names
        await self._add_or_update(
            StreamConfig(
                name=names.stream,
                subjects=[names.subjects],
                retention=RetentionPolicy.WORK_QUEUE,
                discard=DiscardPolicy.NEW,
                max_msgs=max_messages,
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_S,
            )
        )
        await self._add_or_update(
            StreamConfig(
                name=names.dlq_stream,
                subjects=[names.dlq_subject],
                retention=RetentionPolicy.LIMITS,
                storage=StorageType.FILE,
                duplicate_window=DUPLICATE_WINDOW_S,
            )
        )

    async def _add_or_update(self, config: StreamConfig) -> None:
        try:
            await self.js.add_stream(config)
        except nats.js.errors.BadRequestError:
            await self.js.update_stream(config)

    async def delete_streams(self) -> None:
        for stream in (self.names.stream, self.names.dlq_stream):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await self.js.delete_stream(stream)
        for bucket in (self.names.lease_bucket, self.names.workers_bucket):
            with contextlib.suppress(nats.js.errors.NotFoundError):
                await self.js.delete_key_value(bucket)

    async def pending(self) -> int:
        """Messages in the event stream not yet acknowledged by a worker."""
        info = await self.js.stream_info(self.names.stream)
        return int(info.state.messages)

    # --- publishing ----------------------------------------------------------------------
    async def publish(
        self,
        subject: str,
        data: bytes,
        msg_id: str,
        timeout: float,
        headers: dict[str, str] | None = None,
    ) -> bool:
        """Publish and wait for JetStream's acknowledgement; True when it was a duplicate
        of a message published within the de-duplication window."""
        hdrs = {"Nats-Msg-Id": msg_id, **(headers or {})}
        if not self.nc.is_connected:
            raise QueueUnavailable("not connected to NATS")
        try:
            ack = await self.js.publish(subject, data, timeout=timeout, headers=hdrs)
        except nats.js.errors.APIError as exc:
            raise QueueUnavailable(f"JetStream refused: {exc.description}") from None
        except NATS_ERRORS as exc:
            raise QueueUnavailable(type(exc).__name__) from None
        return bool(ack.duplicate)

    def notify(self, subject: str, data: bytes) -> Awaitable[None]:
        """A core NATS publish, fire and forget (no stream)."""
        return self.nc.publish(subject, data)

    # --- consumers -----------------------------------------------------------------------
    async def reset_consumer(self, partition: int, max_ack_pending: int) -> PartitionSub:
        """A fresh durable pull consumer for ``partition`` that starts at its oldest
        unacknowledged message (the stream is a work queue: acknowledged ones are gone).

        Called when a worker takes a partition over: whatever the previous owner had
        fetched but not acknowledged comes again, in stream order, before anything newer.
        """
        names = self.names
        durable = names.consumer(partition)
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await self.js.delete_consumer(names.stream, durable)
        await self.js.add_consumer(
            names.stream,
            ConsumerConfig(
                durable_name=durable,
                filter_subject=names.subject(partition),
                ack_policy=AckPolicy.EXPLICIT,
                deliver_policy=DeliverPolicy.ALL,
                ack_wait=ACK_WAIT_S,
                max_ack_pending=max_ack_pending,
                max_deliver=-1,
            ),
        )
        return await self.js.pull_subscribe_bind(durable=durable, stream=names.stream)

    # --- key-value -----------------------------------------------------------------------
    async def bucket(self, name: str, ttl: float) -> KeyValue:
        try:
            return await self.js.key_value(name)
        except nats.js.errors.BucketNotFoundError:
            return await self.js.create_key_value(bucket=name, ttl=ttl, history=1)

    # --- dead letters --------------------------------------------------------------------
    async def dlq_range(self) -> tuple[int, int]:
        info = await self.js.stream_info(self.names.dlq_stream)
        return int(info.state.first_seq), int(info.state.last_seq)

    async def dlq_get(self, seq: int) -> Any | None:
        try:
            return await self.js.get_msg(self.names.dlq_stream, seq)
        except nats.js.errors.NotFoundError:
            return None

    async def dlq_delete(self, seq: int) -> None:
        await self.js.delete_msg(self.names.dlq_stream, seq)
