"""The page in a real browser: Debian's headless Chromium driven by Selenium (nothing downloaded:
Selenium is pointed at /usr/bin/chromium and /usr/bin/chromedriver; `scripts/setup.sh --dev`
installs both). The player loads the session's length, tapping a chapter seeks there, and a
screenshot shows a page that is not blank."""

from __future__ import annotations

import io
import os
import time

import pytest
from PIL import Image, ImageStat
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from serve_support import site  # noqa: F401 (a fixture)

CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
SCREENSHOT = os.environ.get("VOICECOACH_SCREENSHOT")  # keep the picture here, to look at it


@pytest.fixture(scope="module")
def browser():
    assert os.access(CHROMIUM, os.X_OK) and os.access(DRIVER, os.X_OK), (
        "the browser test needs Debian's chromium and chromium-driver: run scripts/setup.sh --dev"
    )
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--mute-audio",
        "--autoplay-policy=no-user-gesture-required",
        "--window-size=420,1100",
        "--disable-gpu",
        "--no-first-run",
        "--disable-extensions",
        "--disable-background-networking",
    ):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


#: Whether the player has finished seeking to arguments[1] (and may have played on a little since).
_AT = (
    "var a=arguments[0], t=arguments[1];"
    " return !a.seeking && a.currentTime >= t - 0.05 && a.currentTime < t + 3;"
)


def _wait(predicate, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def test_the_player_loads_the_length_and_chapters_seek(browser, site):  # noqa: F811
    browser.get(site.url())
    audio = browser.find_element(By.CSS_SELECTOR, "article#tiny audio")
    duration = _wait(
        lambda: browser.execute_script("var a=arguments[0]; return a.readyState >= 1 && a.duration", audio)
    )
    assert abs(duration - site.items[0].duration_s) < 0.1
    buttons = browser.find_elements(By.CSS_SELECTOR, "article#tiny li button")
    titles = [browser.execute_script("return arguments[0].lastChild.textContent", b) for b in buttons]
    assert titles == [t for _, t in site.items[0].chapters]
    pairs = list(zip(buttons, site.items[0].chapters, strict=False))
    for button, (start, _) in pairs[::-1]:  # last first: each a real jump
        button.click()
        _wait(lambda at=start: browser.execute_script(_AT, audio, at))
    assert browser.execute_script("return document.querySelectorAll('svg rect.step').length") == 3


def test_a_step_of_the_strip_seeks_too(browser, site):  # noqa: F811
    browser.get(site.url())
    audio = browser.find_element(By.CSS_SELECTOR, "article#tiny audio")
    _wait(lambda: browser.execute_script("return arguments[0].readyState >= 1", audio))
    start = site.items[0].chapters[1][0]
    browser.execute_script(
        "arguments[0].dispatchEvent(new MouseEvent('click', {bubbles: true}))",
        browser.find_elements(By.CSS_SELECTOR, "article#tiny svg rect.step")[1],
    )
    _wait(lambda: browser.execute_script(_AT, audio, start))


def test_the_page_is_not_blank(browser, site):  # noqa: F811
    browser.get(site.url())
    _wait(
        lambda: browser.execute_script(
            "return document.images[0].complete && document.images[0].naturalWidth"
        )
    )
    png = browser.get_screenshot_as_png()
    if SCREENSHOT:
        with open(SCREENSHOT, "wb") as fh:
            fh.write(png)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[0] >= 300
    stat = ImageStat.Stat(image)
    assert stat.stddev[0] > 20  # text, a cover and a strip: far from one flat colour
    assert len(image.getcolors(maxcolors=1 << 16) or range(1 << 16)) > 50
    assert (
        browser.execute_script("return document.querySelector('article#tiny h2').textContent")
        == "Tiny Serve Test"
    )
