"""Embedded infrastructure for `make run`, tests and benchmarks: PostgreSQL and a Kafka broker."""
