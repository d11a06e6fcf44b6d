"""``casetrail demo`` ends by saying how to open the pages on its store: the command it prints
serves them, and its lead's and auditor's tokens sign in."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.http.served import free_port
from tests.test_cli import casetrail


def test_the_printed_command_serves_the_demo_and_its_tokens_sign_in(tmp_path: Path) -> None:
    result = casetrail("demo", "--json", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    pages = json.loads(result.stdout)["pages"]
    assert pages["serve"][0] == "casetrail" and pages["serve"][-1] == "serve"
    assert set(pages["tokens"]) == {"lead", "auditor"}
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    with (tmp_path / "serve.log").open("wb") as log:
        server = subprocess.Popen([sys.executable, "-m", "casetrail", *pages["serve"][1:], "--port", str(port)],
                                  cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(f"{url}/healthz").status_code == 200:
                    break
            except httpx.TransportError:
                assert time.monotonic() < deadline and server.poll() is None, (tmp_path / "serve.log").read_text()
                time.sleep(0.1)
        for role, token in pages["tokens"].items():
            with httpx.Client(base_url=url, headers={"Origin": url}, follow_redirects=True) as browser:
                form = browser.get("/sign-in").text
                csrf = form.split('name="csrf" value="')[1].split('"')[0]
                signed = browser.post("/sign-in", data={"token": token, "csrf": csrf, "next": "/cases/OVB-BEF6607987"})
                assert signed.status_code == 200, signed.text
                assert f"demo-{role}" in signed.text and "stop_sell_not_honoured" in signed.text
                pack = browser.get("/cases/OVB-BEF6607987/evidence-pack")
                assert pack.status_code == (200 if role == "auditor" else 403)
    finally:
        server.terminate()
        assert server.wait(timeout=60) == 0
