"""Hypothesis profiles for the whole suite, and the ``mkl`` fixture that the BLAS tests share.

``ci`` (the default) is deterministic: derandomized, no example database, no deadline, so
a run on CI explores exactly the same cases as a run on a laptop. Choose another profile
with HYPOTHESIS_PROFILE=dev (quick, random) or HYPOTHESIS_PROFILE=thorough (10x the cases).
Tests size themselves with ``reference.examples(n)``: n cases under ``ci``.
"""

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings

from autograd.compile import blas

_common = dict(deadline=None, print_blob=True, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("ci", max_examples=100, derandomize=True, database=None, **_common)
settings.register_profile("dev", max_examples=20, **_common)
settings.register_profile("thorough", max_examples=1000, **_common)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def mkl(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Products through MKL on any processor (by default only Intel's get them)."""
    monkeypatch.setenv("VALUEGRAD_BLAS", "mkl")
    blas._mkl.cache_clear()
    blas._mkl_gemms.cache_clear()
    blas._mkl_vector_steps.cache_clear()
    try:
        if blas.backend() != "mkl":
            pytest.skip("the optional mkl package is not installed")
        yield
    finally:
        blas._mkl.cache_clear()
        blas._mkl_gemms.cache_clear()
        blas._mkl_vector_steps.cache_clear()  # asked again under the restored environment
