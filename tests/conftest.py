"""Shared test fixtures: repository paths and the optional ../shared/data folder."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("SPEECHANIM_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))

if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))


def shared_path(*parts: str) -> Path:
    """Path under ``../shared/data``; skips the calling test when it is absent."""
    p = SHARED_DATA.joinpath(*parts)
    if not p.exists():
        pytest.skip(f"shared data not available: {p}")
    return p


@pytest.fixture
def shared():
    """Fixture form of :func:`shared_path`."""
    return shared_path
