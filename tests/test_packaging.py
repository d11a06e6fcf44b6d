"""A wheel built from the tree carries the samples the demo needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent


def test_the_wheel_holds_every_package_and_the_sample_scenarios(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(tmp_path), str(ROOT)], check=True, timeout=300)
    [wheel] = tmp_path.glob("casetrail-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for package in ("domain", "projections", "services", "adapters"):
        assert f"{package}/__init__.py" in names
    assert {f"adapters/samples/{p.name}" for p in SCENARIOS.glob("*.jsonl")} <= names
    assert any(name.endswith("entry_points.txt") for name in names)
