"""Scale-out over NATS JetStream (docs/scale-out.md).

``serve --queue`` publishes validated events to a partitioned stream (:mod:`.publisher`);
``safeguarding worker`` consumes it and applies each batch with the same
``IngestPipeline.ingest`` as the one-process service (:mod:`.worker`); poison events go to a
dead-letter stream (:mod:`.dlq`). :mod:`.link` is the only module that talks to NATS.
"""
