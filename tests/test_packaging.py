"""A wheel built from the tree is one package, ``casetrail``, and carries the samples the demo needs."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from tests.conftest import SCENARIOS

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("domain", "projections", "services", "adapters")


def test_the_wheel_holds_only_the_casetrail_package_with_every_folder_and_the_samples(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet",
                    "-w", str(tmp_path), str(ROOT)], check=True, timeout=300)
    [wheel] = tmp_path.glob("casetrail-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    assert {name.split("/")[0] for name in names} == {"casetrail", wheel.name.split("-py3")[0] + ".dist-info"}
    packages = {init.parent.relative_to(ROOT) for folder in FOLDERS for init in (ROOT / folder).rglob("__init__.py")}
    assert {f"casetrail/{package.as_posix()}/__init__.py" for package in packages} <= names
    assert {"casetrail/__init__.py", "casetrail/__main__.py"} <= names
    assert {f"casetrail/adapters/samples/{p.name}" for p in SCENARIOS.glob("*.jsonl")} <= names
    assert any(name.endswith("entry_points.txt") for name in names)
    pages = ROOT / "adapters" / "http" / "pages"
    assets = [*pages.glob("templates/*.html"), *pages.glob("static/*")]
    assert assets and {f"casetrail/{p.relative_to(ROOT).as_posix()}" for p in assets} <= names  # served by serve
