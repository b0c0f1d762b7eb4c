"""The search page in a real browser: Playwright drives the system Chromium against the real
server (uvicorn on a free loopback port, in a thread).

Skips cleanly when Playwright, /usr/bin/chromium or the server extra is missing. Screenshots
go to tests/artifacts/.
"""

from __future__ import annotations

import datetime as dt
import random
import re
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from conftest import SEEDS  # noqa: E402

import searchlib  # noqa: E402
from searchlib import Article, Entity, Index  # noqa: E402
from searchlib.server import create_app  # noqa: E402

TIMEOUT_MS = 30_000
PEOPLE = ["Sergey Lavrov", "John Kerry", "Staffan de Mistura"]
SOURCES = ["reuters", "rt", "bbc", "sana"]
WORDS = [
    *("convoy", "city", "families", "envoy", "officials", "airport", "residents", "bread"),
    *("dawn", "shelling", "districts", "ceasefire", "hours", "doctors", "hospitals", "fuel"),
    *("ministers", "council", "buses", "wounded", "corridor", "week", "water", "stations"),
    *("fighting", "negotiators", "time", "agencies", "border", "talks"),
]


def articles() -> list[Article]:
    """60 articles about Aleppo and Nusra over seven months; Sergey Lavrov is in 40 of them,
    25 of those in October 2016, so every step of the flow still has a second page."""
    rng = random.Random(11)
    out = []
    for i in range(60):
        person = "Sergey Lavrov" if i < 40 else PEOPLE[1 + i % 2]
        # 25 in October 2016, the others spread from June to December
        date = dt.date(2016, 10, 1 + i) if i < 25 else dt.date(2016, 6 + i % 7, 1 + i % 28)
        out.append(
            Article(
                id=f"gen-{i:03d}",
                title=f"Aleppo update {i}: {person} on the Nusra exit",
                body=(
                    f"{person} spoke on day {i} about the Nusra fighters leaving Aleppo. "
                    + " ".join(rng.choice(WORDS) for _ in range(40))
                    + "."
                ),
                date=date,
                source=SOURCES[i % len(SOURCES)],
                url=f"https://news.example/{i}",
                tags=("Syria unrest", "Diplomacy") if i % 3 == 0 else ("Syria unrest",),
                entities=(
                    Entity("person", person),
                    Entity("org", "Al-Nusra Front"),
                    Entity("location", "Aleppo"),
                ),
            )
        )
    # A syndicated copy (collapsed into "+1 similar") and hostile text that must stay text.
    out.append(
        Article(
            id="copy-of-gen-000",
            title=out[0].title,
            body=out[0].body,
            date=out[0].date,
            source="wire",
            entities=out[0].entities,
        )
    )
    out.append(
        Article(
            id="hostile",
            title='<img src=x onerror="window.pwned=1"> Aleppo Nusra <b>bold</b>',
            body="Aleppo and Nusra <script>window.pwned=2</script> in the body.",
            date=dt.date(2016, 7, 3),
            source="<i>src</i>",
            url="javascript:window.pwned=3",
            tags=('"><svg onload="window.pwned=4">',),
        )
    )
    return out


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real server on a free loopback port; yields its base URL."""
    path = tmp_path_factory.mktemp("browser") / "index"
    with Index(path, create=True) as ix:
        searchlib.ingest(ix, [SEEDS])
        ix.add(articles())
    app = create_app(path)
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=30)
        sock.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.problems = problems
    yield pg
    context.close()


def settled(page: Any) -> int:
    """Wait for the search in flight to finish; the number of matching articles."""
    summary = page.locator("#summary[data-total]")
    summary.wait_for()
    return int(summary.get_attribute("data-total"))


def hit_dates(page: Any) -> list[str]:
    return [
        str(d)
        for d in page.locator("#results .hit time").evaluate_all(
            "nodes => nodes.map(n => n.getAttribute('datetime'))"
        )
    ]


def test_search_flow(server: str, page: Any) -> None:
    expect = sync_api.expect
    page.goto(server + "/")
    settled(page)

    # 1. search
    page.get_by_label("Search the archive").fill("Aleppo Nusra")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=Aleppo\+Nusra$"))
    total = settled(page)
    assert total == 63  # 60 generated, the copy, the hostile one, the seed
    expect(page.locator("#results > .hit")).to_have_count(10)

    # 2. highlights
    marks = page.locator("#results .hit").first.locator("mark")
    assert marks.count() >= 2
    words = {t.lower() for t in page.locator("#results mark").all_inner_texts()}
    assert words <= {"aleppo", "nusra"} and words
    expect(page.locator("#results .dups summary", has_text="+1 similar")).to_have_count(1)
    expect(page.locator("#timeline svg a[data-count]").first).to_be_visible()

    # 3. a person facet: chip shown, count changes
    page.locator('#facets a[data-facet="person"]', has_text="Sergey Lavrov").click()
    page.wait_for_url(re.compile(r"person=Sergey\+Lavrov"))
    filtered = settled(page)
    assert filtered < total
    assert filtered == 42  # 40 generated, the copy of one of them, and the seed
    chip = page.locator(".chip", has_text="Sergey Lavrov")
    expect(chip).to_be_visible()
    expect(chip.get_by_role("button")).to_have_accessible_name(
        "Remove filter person: Sergey Lavrov"
    )

    # 4. a histogram bar: filtered to that period
    bars = page.locator("#histogram a[data-count]")
    counts = [int(c) for c in bars.evaluate_all("ns => ns.map(n => n.dataset.count)")]
    busiest = bars.nth(counts.index(max(counts)))
    key = busiest.get_attribute("data-key")
    assert key == "2016-10"
    busiest.click()
    page.wait_for_url(re.compile(r"date_from=2016-10-01&date_to=2016-10-31"))
    in_october = settled(page)
    assert in_october == max(counts) < filtered
    expect(page.locator(".chip", has_text="2016-10-01 to 2016-10-31")).to_be_visible()
    assert all(d.startswith("2016-10") for d in hit_dates(page))
    first_page_ids = page.locator("#results > .hit").evaluate_all("ns => ns.map(n => n.dataset.id)")

    # 5. page 2
    page.locator("#pager").get_by_role("link", name="Page 2").click()
    page.wait_for_url(re.compile(r"page=2"))
    settled(page)
    expect(page.locator('#pager [aria-current="page"]')).to_have_text("2")
    second_page_ids = page.locator("#results > .hit").evaluate_all(
        "ns => ns.map(n => n.dataset.id)"
    )
    assert second_page_ids and not set(second_page_ids) & set(first_page_ids)
    assert all(d.startswith("2016-10") for d in hit_dates(page))
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "results.png"), full_page=True)

    # back and forward replay the states from the URL
    page.go_back()
    page.wait_for_url(re.compile(r"date_to=2016-10-31$"))
    settled(page)
    expect(page.locator('#pager [aria-current="page"]')).to_have_text("1")
    page.go_forward()
    page.wait_for_url(re.compile(r"page=2$"))
    settled(page)

    # removing the chips widens the search again
    page.get_by_role("button", name="Remove filter person: Sergey Lavrov").click()
    assert settled(page) > in_october
    assert "person=" not in page.url and "date_from=2016-10-01" in page.url

    # a shared URL restores the whole state
    page.goto(page.url)
    expect(page.get_by_label("Search the archive")).to_have_value("Aleppo Nusra")
    settled(page)
    expect(page.locator(".chip")).to_have_count(1)
    assert page.problems == []


def test_did_you_mean_and_hostile_text(server: str, page: Any) -> None:
    page.goto(server + "/?q=Alepo")
    settled(page)
    suggestion = page.locator("#suggestion a")
    sync_api.expect(suggestion).to_have_text("Aleppo")
    suggestion.click()
    page.wait_for_url(re.compile(r"\?q=Aleppo$"))
    assert settled(page) > 10

    page.goto(server + "/?q=bold+script&sort=date")
    assert settled(page) == 1
    hit = page.locator("#results > .hit")
    assert "<img src=x" in hit.locator("h2").inner_text()
    assert hit.locator("h2 a").count() == 0  # a javascript: URL is not a link
    assert hit.locator("img, b, script, svg, i").count() == 0
    assert '"><svg onload' in hit.locator(".tags").inner_text()
    assert page.evaluate("window.pwned") is None
    assert page.problems == []


def test_keyboard_only(server: str, page: Any) -> None:
    page.goto(server + "/")
    settled(page)
    page.keyboard.press("Tab")  # the skip link
    page.keyboard.press("Tab")  # the brand
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "q"
    page.keyboard.type("Lavrov")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=Lavrov$"))
    assert settled(page) == 42
    # the results' links, the facets and the bars are all reachable with Tab
    reachable = page.evaluate(
        """() => Array.from(document.querySelectorAll('a[href], button, input, select'))
              .filter(n => n.tabIndex >= 0).length"""
    )
    assert reachable > 20
    outline = page.evaluate(
        """() => { const q = document.getElementById('q'); q.focus();
                  return getComputedStyle(q).outlineStyle; }"""
    )
    assert outline != "none"


def test_narrow_screen(server: str, browser: Any) -> None:
    context = browser.new_context(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    try:
        page.goto(server + "/?q=Aleppo+Nusra&person=Sergey+Lavrov")
        settled(page)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0
        results = page.locator("#results").bounding_box()
        sidebar = page.locator("#sidebar").bounding_box()
        assert sidebar["y"] >= results["y"] + results["height"]  # the sidebar is below
        assert sidebar["width"] <= 390
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "results-narrow.png"), full_page=True)
    finally:
        context.close()
