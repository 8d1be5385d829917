"""The browser journey of the production stage: against the running web workers (LIANXIN_BASE_URL).

A resident signs in on a 360 px phone and files a request; the grid's officer, in another
browser, finds it in the inbox by its number and opens it. The two sessions are served by
whichever of the two web workers answers each request, so nothing a page needs may live in
one process. Demo users of the seed sign in with its password.

Then the live path across processes (LIANXIN_OTHER_URL, a web process of its own): the
officer's warnings page is open on that process when the resident, on the two workers, says
"I am about to pay" about a scam message; the warning must appear on the officer's page
without a reload, carried from one process to the other by Redis.
"""

from __future__ import annotations

import os
import re
import sys

from playwright.sync_api import sync_playwright

BASE = os.environ["LIANXIN_BASE_URL"]
OTHER = os.environ.get("LIANXIN_OTHER_URL", "")
SCAM = "【公安局】您涉嫌洗钱，请立即把资金转入安全账户6222021234567890123，联系电话+86 138 1234 5678，详见 http://www.gaj-check.top/a"
PASSWORD = "lianxin-demo"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
NUMBER_RE = re.compile(r"LX-\d{4}-\d{6}")


def sign_in(page, username: str, base: str = BASE) -> None:
    page.goto(f"{base}/login/")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def live_across_processes(browser, errors: list[str]) -> bool:
    officer = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN").new_page()
    officer.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(officer, "officer", OTHER)
    officer.goto(f"{OTHER}/fraud/warnings/")
    rows = officer.locator("li.warning-row[data-status='dispatched']")
    before = rows.count()
    officer.wait_for_timeout(1000)  # the page's event stream is connected
    resident = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN").new_page()
    resident.on("pageerror", lambda exc: errors.append(str(exc)))
    sign_in(resident, "resident")
    resident.goto(f"{BASE}/fraud/check/")
    resident.locator("textarea[name=text]").fill(SCAM)
    resident.get_by_role("button", name="查一查").click()
    resident.get_by_role("button", name="我正准备转账").click()
    resident.wait_for_load_state()
    for _ in range(150):  # 15 s, no reload
        if rows.count() > before:
            print("production journey: the warning reached the officer's page on the other web process, live")
            return True
        officer.wait_for_timeout(100)
    print("production journey: the warning did not reach the officer's open page on the other process", file=sys.stderr)
    return False


def main() -> int:
    errors: list[str] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=ARGS)
        phone = browser.new_context(viewport={"width": 360, "height": 740}, locale="zh-CN").new_page()
        phone.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(phone, "resident")
        phone.goto(f"{BASE}/cases/new/")
        phone.get_by_text("身份证办理").first.click()
        phone.get_by_label("请说说您的诉求").fill("生产环境检查：想咨询居住证办理材料")
        phone.get_by_role("button", name="提交").click()
        phone.wait_for_load_state()
        match = NUMBER_RE.search(phone.content())
        if not match:
            print("production journey: no case number after filing", file=sys.stderr)
            return 1
        number = match.group()
        desk = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN").new_page()
        desk.on("pageerror", lambda exc: errors.append(str(exc)))
        sign_in(desk, "officer")
        for _attempt in range(5):  # each load may be served by the other worker
            desk.goto(f"{BASE}/cases/?box=all&q={number}")
            if desk.get_by_role("link", name=re.compile(number)).count():
                break
        desk.get_by_role("link", name=re.compile(number)).first.click()
        desk.wait_for_load_state()
        if "居住证" not in desk.content():
            print(f"production journey: the officer does not see {number}", file=sys.stderr)
            return 1
        if OTHER and not live_across_processes(browser, errors):
            return 1
        browser.close()
    if errors:
        print("production journey: script errors: " + "; ".join(errors), file=sys.stderr)
        return 1
    print(f"production journey: {number} filed on a phone and opened at the desk")
    return 0


if __name__ == "__main__":
    sys.exit(main())
