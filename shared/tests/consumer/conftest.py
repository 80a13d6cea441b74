import uuid
from collections.abc import AsyncIterator

import pytest_asyncio

from receivables_shared.db.engine import (
    SessionMaker,
    create_engine,
    create_sessionmaker,
    with_database,
)
from receivables_shared.testing.kafka import new_topic, started_producer
from shared.tests.consumer.harness import Harness
from shared.tests.faulty_database import FaultyDatabase


@pytest_asyncio.fixture
async def harness(sessionmaker: SessionMaker, kafka_bootstrap: str) -> AsyncIterator[Harness]:
    producer = await started_producer(kafka_bootstrap)
    yield Harness(
        topic=await new_topic(kafka_bootstrap),
        dead_letter_topic=await new_topic(kafka_bootstrap),
        group=f"group-{uuid.uuid4().hex[:8]}",
        producer=producer,
        sessionmaker=sessionmaker,
        bootstrap=kafka_bootstrap,
    )
    await producer.stop()


@pytest_asyncio.fixture
async def faulty_harness(
    faulty: FaultyDatabase, harness: Harness, postgres_server_url: str
) -> AsyncIterator[Harness]:
    """The harness with its consumer on a database the test can break; effects are read as
    the superuser, whom a refused role or a read-only setting does not stop."""
    engine = create_engine(faulty.url, pool_size=2)
    owner = create_engine(with_database(postgres_server_url, faulty.database), pool_size=1)
    harness.sessionmaker = create_sessionmaker(engine)
    harness.reader = create_sessionmaker(owner)
    try:
        yield harness
    finally:
        await faulty.heal()
        await engine.dispose()
        await owner.dispose()
