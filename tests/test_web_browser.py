"""The reader in a real browser: `citebot web` on the seed interviews and the packaged model,
driven in Debian's headless Chromium by its chromedriver (nothing downloaded).

Where Chromium is missing the tests skip, saying so; under CI they fail (`.ci/run` installs
it). ``CITEBOT_SCREENSHOTS=DIR`` keeps the screenshots (the README's come from here).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from index.settings import Settings
from tests.helpers import RUN_DIR, cli_env, free_port

pytestmark = pytest.mark.slow

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
QUESTION = "Which Chinese visa can Azerbaijani citizens apply for again?"
RIGHT = "Individual Tourist Visa (L)"
PHONE = (390, 844)  # CSS pixels, a common phone's


def need_chromium() -> None:
    if CHROMIUM and CHROMEDRIVER:
        return
    reason = "Debian's chromium and chromium-driver are not installed (apt install them)"
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def reader(real_index: Settings) -> Iterator[str]:
    """`citebot web` on the real index, in its own process."""
    need_chromium()
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "bot.cli", "web", "--listen", f"127.0.0.1:{port}"],
        env=cli_env(real_index),
        cwd=RUN_DIR,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        try:
            with urllib.request.urlopen(url + "/", timeout=5):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                said = process.stderr.read().decode() if process.stderr else ""
                raise RuntimeError(f"citebot web did not start: {said}") from None
            time.sleep(0.3)
    yield url
    process.terminate()
    process.wait(20)


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[Any]:
    need_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={tmp_path / 'chromium'}",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def in_view(driver: Any, css: str) -> bool:
    """Whether the first element matching ``css`` is inside the viewport, wholly or where it
    is taller than the screen, filling it."""
    return bool(
        driver.execute_script(
            "const e = document.querySelector(arguments[0]); if (!e) return false;"
            "const r = e.getBoundingClientRect(), h = window.innerHeight;"
            "return (r.top >= 0 && r.bottom <= h) || (r.top < h && r.bottom > 0 && r.height > h)"
            " || (r.top >= 0 && r.top < h * 0.5);",
            css,
        )
    )


def screenshot(driver: Any, tmp_path: Path, name: str) -> Path:
    path = tmp_path / f"{name}.png"
    assert driver.save_screenshot(str(path))
    assert path.stat().st_size > 10_000
    kept = os.environ.get("CITEBOT_SCREENSHOTS")
    if kept:
        Path(kept).mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, Path(kept) / path.name)
    return path


def test_browser_search_shows_the_right_citation_first_and_read_opens_it_marked(
    reader: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.get(reader + "/")
    box = browser.find_element(By.ID, "q")
    box.send_keys(QUESTION)
    box.submit()
    first = browser.find_element(By.CSS_SELECTOR, "li.card")
    assert RIGHT in first.find_element(By.CSS_SELECTOR, ".passage").text
    assert "Azeri Observer" in first.find_element(By.CSS_SELECTOR, ".citation").text
    screenshot(browser, tmp_path, "search")
    first.find_element(By.CSS_SELECTOR, "a.read").click()
    # The passage marked, opened at its paragraph that holds the sentence in bold
    focus = browser.find_element(By.CSS_SELECTOR, ".focus mark")
    assert RIGHT in focus.text
    assert browser.find_element(By.CSS_SELECTOR, "article").get_attribute("lang") == "en"
    assert in_view(browser, ".focus mark")
    assert browser.execute_script("return window.scrollY") > 300  # it scrolled down to it
    screenshot(browser, tmp_path, "article")


def test_browser_article_reads_on_a_phone_and_in_telegram_theme(
    reader: str, browser: Any, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    browser.set_window_size(*PHONE)
    browser.get(reader + "/?q=" + QUESTION.replace(" ", "+"))
    card = browser.find_element(By.CSS_SELECTOR, "li.card")
    assert RIGHT in card.text
    width = browser.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]  # nothing runs off the side of a phone
    read = card.find_element(By.CSS_SELECTOR, "a.read").get_attribute("href")
    # A Mini App opens with Telegram's own fragment (its theme), not ours: the page still
    # opens at the marked passage, and in Telegram's colours.
    theme = '{"bg_color":"#1c1c1d","text_color":"#f5f5f5","link_color":"#62bcf9"}'
    telegram = read.split("#")[0] + "#tgWebAppVersion=8.0&tgWebAppThemeParams=" + theme
    browser.get(telegram)
    assert RIGHT in browser.find_element(By.CSS_SELECTOR, ".focus mark").text
    deadline = time.monotonic() + 10
    while not in_view(browser, ".focus mark") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert in_view(browser, ".focus mark")
    background = browser.execute_script("return getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(28, 28, 29)"
    width = browser.execute_script("return [document.documentElement.scrollWidth, innerWidth]")
    assert width[0] <= width[1]
    screenshot(browser, tmp_path, "article-phone")
