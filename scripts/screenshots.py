"""Screenshots of the pages in headless Chromium (Debian's package) at desktop and phone size.

Builds a throwaway demo database, serves it with gunicorn on a free port, logs in as the demo
users and writes PNGs to docs/screenshots/ (or --out). Usage: make screenshots"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.browser.chromium import DESKTOP, launch  # noqa: E402

PHONE = {"width": 390, "height": 844}
PASSWORD = "Shequ-demo-2026"  # noqa: S105 - the documented demo password


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_for(url: str, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):  # noqa: S310 - our own local server
                return
        except OSError:
            time.sleep(0.3)
    msg = f"{url} did not answer"
    raise RuntimeError(msg)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    var = tempfile.mkdtemp(prefix="shequ-shots-")
    env = {
        **os.environ,
        "SHEQU_VAR_DIR": var,
        "SHEQU_DEMO": "1",
        "SHEQU_OTP_REQUIRED_ROLES": "",
        "DATABASE_URL": f"sqlite:///{var}/db.sqlite3",
    }
    python = sys.executable
    for command in (["migrate", "-v0"], ["collectstatic", "--no-input", "-v0"], ["demo_seed"]):
        subprocess.run(
            [python, "manage.py", *command],
            cwd=ROOT,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(python).parent / "gunicorn"),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
        ],
        cwd=ROOT,
        env=env,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for(f"{base}/health")
        from playwright.sync_api import sync_playwright  # noqa: PLC0415

        with sync_playwright() as playwright:
            browser = launch(playwright)
            shots = [
                ("login", None, "/accounts/login/"),
                ("home", "dispatcher", "/"),
                ("street", "dispatcher", "/areas/"),
                ("community", "community", "first-community"),
                ("grid-staff", "gridworker", "grid-staff"),
                ("accounts", "admin", "/manage/users/"),
                ("audit", "auditor", "/audit/"),
                ("register", "community", "/registry/"),
                ("residents", "community", "/registry/residents/?q=%E7%8E%8B"),
                ("building", "gridworker", "first-building"),
                ("household", "gridworker", "first-household"),
                ("import", "community", "/registry/import/"),
                # The resident portal (phone first) and the staff's side of it.
                ("portal-home", None, "/portal/"),
                ("portal-report", None, "/portal/report/"),
                ("portal-sign-up", None, "/portal/account/new/"),
                ("portal-replies", None, "/portal/replies/"),
                ("portal-staff-replies", "community", "/portal/staff/replies/"),
                ("open311-keys", "admin", "/open311/keys/"),
            ]
            for size_name, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                for name, username, target in shots:
                    context = browser.new_context(
                        viewport=viewport, locale="zh-CN", device_scale_factor=1
                    )
                    page = context.new_page()
                    if username:
                        page.goto(f"{base}/accounts/login/")
                        page.fill("input[name=username]", username)
                        page.fill("input[name=password]", PASSWORD)
                        page.click("#login-submit")
                        page.wait_for_url(f"{base}/")
                    if target == "first-community":
                        page.goto(f"{base}/areas/")
                    elif target == "grid-staff":
                        page.goto(f"{base}/areas/")
                        page.click("text=1+9+X")
                    elif target in ("first-building", "first-household"):
                        page.goto(f"{base}/registry/")
                        page.locator("a[href^='/registry/buildings/']").first.click()
                        if target == "first-household":
                            page.locator("a.house-cell").first.click()
                            page.locator("a[href^='/registry/households/']").first.click()
                    else:
                        page.goto(f"{base}{target}")
                    page.wait_for_load_state("networkidle")
                    path = args.out / f"{name}-{size_name}.png"
                    page.screenshot(path=str(path), full_page=size_name == "phone")
                    print(path.relative_to(ROOT))
                    context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
