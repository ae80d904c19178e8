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
WALL = {"width": 1920, "height": 1080}  # the command centre's wall screen
# The command screen and the map are shot at the wall's size and the phone's, named by width.
WALL_SHOTS = ("command-screen", "command-map")

# A few cases in the demo's first community, in the states the case pages show, made through
# the services as the demo users would (the demo seed itself has no cases).
DEMO_CASES = """
from shequ.accounts.models import User
from shequ.areas.models import Area, Department, Level
from shequ.cases.models import Category
from shequ.cases.services import case_act, case_register

staff = User.objects.get(username="community")
street_user = User.objects.get(username="dispatcher")
handler = User.objects.get(username="department")
community = staff.memberships.filter(area__level=Level.COMMUNITY).first().area
grids = list(Area.objects.filter(parent=community, level=Level.GRID).order_by("code")[:2])
department = handler.memberships.filter(department__isnull=False).first().department
lamp = Category.objects.get(code="0301")
samples = [
    ("hotline_order", "龙湖路路灯不亮", "龙湖路与春融街交叉口往东第三盏路灯连续三晚不亮。", "close"),
    ("hotline_12345", "小区门口井盖缺失", "龙湖小区北门外人行道井盖缺失，夜间有安全隐患。", "whistle"),
    ("patrol", "楼道堆放杂物", "3栋2单元楼道堆放纸箱和旧家具，堵塞消防通道。", "escalate"),
    ("resident", "路灯闪烁", "小区中心花园两盏路灯一直闪烁。", ""),
    ("walk_in", "噪音扰民", "夜间施工噪音，影响居民休息。", "accept"),
]
for i, (channel, title, text, upto) in enumerate(samples):
    case = case_register(actor=staff, channel=channel, category=lamp, title=title, description=text,
                         reporter_name="王秀英", reporter_phone=f"1381234{5670 + i:04d}",
                         area=grids[i % len(grids)], external_ref=f"DEMO-{i}").case
    steps = {"accept": ["accept"], "escalate": ["accept", "escalate"],
             "whistle": ["accept", "escalate", "whistle"],
             "close": ["accept", "escalate", "whistle", "check_in", "resolve", "verify",
                       "follow_up", "close"]}.get(upto, [])
    for step in steps:
        actor = {"whistle": street_user, "check_in": handler, "resolve": handler}.get(step, staff)
        fields = {"escalate": {"reason": "需要职能部门处置"},
                  "whistle": {"lead_department": department},
                  "resolve": {"note": "已处置完毕"},
                  "follow_up": {"reached": True, "resolution": "yes", "satisfaction": 5}}
        case = case_act(actor=actor, case=case, action=step, **fields.get(step, {}))
"""
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
    parser.add_argument("--only", default="", help="only the shots whose name starts so")
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
    for command in (
        ["migrate", "-v0"],
        ["collectstatic", "--no-input", "-v0"],
        ["demo_seed"],
        ["shell", "-c", DEMO_CASES],
    ):
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
                ("case-work", "community", "/cases/work/"),
                ("case-new", "community", "/cases/new/"),
                ("case-list", "dispatcher", "/cases/?q=%E8%B7%AF%E7%81%AF"),
                ("case-detail", "dispatcher", "closed-case"),
                ("case-dispatch", "dispatcher", "dispatch-dialog"),
                ("case-board", "department", "/cases/board/"),
                # 指挥大屏 and 一张图, as the street's dispatcher opens them.
                ("command-screen", "dispatcher", "/screen/"),
                ("command-map", "dispatcher", "screen-map"),
            ]
            sizes = (
                ("desktop", DESKTOP),
                ("phone", PHONE),
                (str(WALL["width"]), WALL),
                (str(PHONE["width"]), PHONE),
            )
            for size_name, viewport in sizes:
                for name, username, target in shots:
                    if not name.startswith(args.only):
                        continue
                    wall = name in WALL_SHOTS
                    if wall != size_name.isdigit():
                        continue
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
                    elif target == "closed-case":
                        page.goto(f"{base}/cases/?state=closed")
                        page.locator(".case-table a[href^='/cases/']").first.click()
                    elif target == "dispatch-dialog":
                        page.goto(f"{base}/cases/work/?tab=dispatch")
                        page.locator(".case-table a[href^='/cases/']").first.click()
                        page.click("a[data-action=whistle]")
                        page.wait_for_selector("#action-form-whistle")
                    elif target == "screen-map":
                        page.goto(f"{base}/screen/")
                        page.click(".cmd-tools a[href*='/screen/map/']")
                        page.wait_for_selector("#command-map path.leaflet-interactive")
                        page.locator(".case-cluster").first.wait_for()
                        # The first part's figures in the side panel, as after a click on it.
                        page.locator("#command-map path.leaflet-interactive").nth(0).click(
                            force=True
                        )
                        page.locator("#map-panel [data-drill]").wait_for()
                    else:
                        page.goto(f"{base}{target}")
                    page.wait_for_load_state("networkidle")
                    if name == "command-screen":
                        page.wait_for_selector("#trend-chart svg")
                    path = args.out / f"{name}-{size_name}.png"
                    page.screenshot(path=str(path), full_page=viewport is PHONE or wall)
                    print(path.relative_to(ROOT))
                    context.close()
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
