"""Time-ordered ids (UUIDv7, RFC 9562) made by PostgreSQL, for rows written in bulk.

A random id (uuid4, gen_random_uuid) lands on a random page of its unique index: a bulk INSERT
of a million rows dirties most of the index's pages, and each of them is written whole to the
WAL once after every checkpoint. A UUIDv7 starts with the milliseconds since the epoch, so the
ids of one statement fall at the end of the index, on the few pages it is growing at.
PostgreSQL 17 and earlier have no uuidv7(); this expression builds one from gen_random_uuid().
"""

from __future__ import annotations

#: SQL expression: a new UUIDv7 per evaluation (per row). The first 48 bits are the
#: milliseconds of clock_timestamp(), then version 7 (bits 52-53 set over the v4's 0100) and
#: the variant and random bits gen_random_uuid() made.
TIME_ORDERED_UUID = """CAST(encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
    placing substring(int8send(CAST(floor(extract(epoch FROM clock_timestamp()) * 1000)
    AS bigint)) FROM 3) FROM 1 FOR 6), 52, 1), 53, 1), 'hex') AS uuid)"""
