"""A real browser for the Docker tests: Debian's headless Chromium, driven by
Selenium through Debian's chromedriver (nothing downloaded).

Pages are opened as a user opens them, at the published port; the name
`rebind.test` leads there too, as a DNS-rebinding attacker's name would.
"""

from __future__ import annotations

import json
import re
import shutil

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as shown
from selenium.webdriver.support.wait import WebDriverWait

FOREIGN_HOST = "rebind.test"
BROWSER = ("chromium", "chromedriver")
PIN = re.compile(r"Debugger PIN: (\d{3}-\d{3}-\d{3})")


def browser_problem() -> str | None:
    missing = [name for name in BROWSER if not shutil.which(name)]
    return f"{' and '.join(missing)} not installed" if missing else None


def start_browser(network_log: bool = False) -> webdriver.Chrome:
    """`network_log`: keep what the pages load, for page_loads()."""
    options = webdriver.ChromeOptions()
    if network_log:
        options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    options.binary_location = shutil.which("chromium")
    for argument in (
        "--headless=new",
        "--no-sandbox",  # as root, in CI
        "--disable-dev-shm-usage",
        "--window-size=1200,900",
        f"--host-resolver-rules=MAP {FOREIGN_HOST} 127.0.0.1",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(
        options=options, service=Service(shutil.which("chromedriver"))
    )
    driver.set_page_load_timeout(30)
    return driver


def until(driver, condition, timeout: float = 15):
    return WebDriverWait(driver, timeout).until(condition)


def latest_pin(log: str) -> str:
    """The debugger PIN the dev server printed last."""
    pins = PIN.findall(log)
    assert pins, "no debugger PIN in the log"
    return pins[-1]


def frame_of(driver, function: str):
    """The traceback's frame of `function`."""
    for frame in driver.find_elements(By.CSS_SELECTOR, "div.traceback div.frame"):
        if frame.find_element(By.CSS_SELECTOR, "code.function").text == function:
            return frame
    raise AssertionError(f"no frame of {function} in the traceback")


def open_console(driver, frame, pin: str | None) -> None:
    """Click the console icon of the frame's current line (shown on hover);
    enter `pin` if asked."""
    line = frame.find_element(By.CSS_SELECTOR, "pre.current")
    icon = line.find_element(By.CSS_SELECTOR, "img")
    ActionChains(driver).move_to_element(line).click(icon).perform()
    if pin is None:
        return
    prompt = driver.find_element(By.CSS_SELECTOR, ".pin-prompt")
    # Typed once it has faded in, as a person would: a PIN confirmed during
    # the fade-in leaves the two fades fighting, and the prompt never goes.
    until(driver, lambda d: prompt.value_of_css_property("opacity") == "1")
    prompt.find_element(By.NAME, "pin").send_keys(pin + Keys.ENTER)
    until(driver, shown.invisibility_of_element(prompt))


def evaluate(driver, frame, expression: str) -> str:
    """Type `expression` in the frame's console; what the console answered."""
    console = until(
        driver,
        lambda d: frame.find_element(
            By.XPATH, "following-sibling::pre[contains(@class, 'console')]"
        ),
    )
    output = console.find_element(By.CSS_SELECTOR, "div.output")
    before = output.text
    console.find_element(By.CSS_SELECTOR, "input").send_keys(expression + Keys.ENTER)
    until(driver, lambda d: output.text != before)
    return output.text[len(before) :].strip()


def page_loads(driver) -> list[tuple[str, int]]:
    """The pages loaded (URL, status; 0: failed) in any tab since the last
    call (needs start_browser(network_log=True))."""
    loads = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        params = message.get("params", {})
        if params.get("type") != "Document":
            continue
        if message["method"] == "Network.responseReceived":
            loads.append((params["response"]["url"], params["response"]["status"]))
        elif message["method"] == "Network.loadingFailed":
            loads.append((params.get("errorText", "?"), 0))
    return loads


def page_text(driver) -> str:
    """The shown page's text, in one call: a page being replaced (a live
    reload) has no stale element to trip on."""
    return driver.execute_script("return document.body ? document.body.innerText : ''")
