"""The production settings (environment-driven, DEBUG off), serving the bench's URL conf: the real site plus the
floor views the load harness measures beside it. Only `make bench BENCH_ARGS="--only load"` uses this module."""

from smops.settings import *  # noqa: F403

ROOT_URLCONF = "tests.bench.urls"
