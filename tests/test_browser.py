"""The search page in a real browser: Playwright drives the system Chromium against the real
server (uvicorn on free loopback ports, in threads), served plain at ``/`` and mounted under
a prefix (``outer.mount("/archive", create_app(index))``).

Skips cleanly when Playwright, /usr/bin/chromium or the server extra is missing; the
accessibility check also skips without axe-core (``$SEARCHLIB_AXE_JS``, or
``~/.cache/searchlib-axe/node_modules/axe-core/axe.min.js``: ``npm install --prefix
~/.cache/searchlib-axe axe-core``). Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import datetime as dt
import json
import os
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
AXE = Path(
    os.environ.get("SEARCHLIB_AXE_JS")
    or Path.home() / ".cache" / "searchlib-axe" / "node_modules" / "axe-core" / "axe.min.js"
)

pytest.importorskip("fastapi")
uvicorn = pytest.importorskip("uvicorn")
sync_api = pytest.importorskip("playwright.sync_api")
if not CHROMIUM.exists():
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)

from conftest import SEEDS  # noqa: E402
from fastapi import FastAPI  # noqa: E402

import searchlib  # noqa: E402
from searchlib import Article, Entity, Index  # noqa: E402
from searchlib.server import create_app  # noqa: E402

expect = sync_api.expect
TIMEOUT_MS = 30_000
PEOPLE = ["Sergey Lavrov", "John Kerry", "Staffan de Mistura"]
SOURCES = ["reuters", "rt", "bbc", "sana"]
CITIES = [
    *("Damascus", "Homs", "Hama", "Latakia", "Raqqa", "Deir ez-Zor", "Daraa"),
    *("Geneva", "Moscow", "Ankara", "Beirut", "Amman", "Tehran", "Doha"),
]
WORDS = [
    *("convoy", "city", "families", "envoy", "officials", "airport", "residents", "bread"),
    *("dawn", "shelling", "districts", "ceasefire", "hours", "doctors", "hospitals", "fuel"),
    *("ministers", "council", "buses", "wounded", "corridor", "week", "water", "stations"),
    *("fighting", "negotiators", "time", "agencies", "border", "talks"),
]
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def articles() -> list[Article]:
    """60 articles about Aleppo and Nusra over seven months; Sergey Lavrov is in 40 of them,
    25 of those in October 2016, so every step of the flow still has a second page. Each also
    names one of 14 other cities (a facet longer than its first screen)."""
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
                    Entity("location", CITIES[i % len(CITIES)]),
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
    # An article without a date, as every BBC article is.
    out.append(
        Article(
            id="bbc/undated.txt",
            title="Dispatch from the border crossing",
            body="A dispatch about the border crossing, written without a date line.",
            source="bbc",
        )
    )
    return out


def _serve(app: Any) -> tuple[Any, threading.Thread, socket.socket, int]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not srv.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            pytest.fail("the server did not start")
        time.sleep(0.05)
    return srv, thread, sock, port


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The real server, plain and mounted under /archive; yields each page's URL."""
    path = tmp_path_factory.mktemp("browser") / "index"
    with Index(path, create=True) as ix:
        searchlib.ingest(ix, [SEEDS])
        ix.add(articles())
    outer = FastAPI()
    outer.mount("/archive", create_app(path))
    running = [_serve(create_app(path)), _serve(outer)]
    try:
        yield {
            "plain": f"http://127.0.0.1:{running[0][3]}/",
            "mounted": f"http://127.0.0.1:{running[1][3]}/archive/",
        }
    finally:
        for srv, thread, sock, _ in running:
            srv.should_exit = True
            thread.join(timeout=30)
            sock.close()


@pytest.fixture(params=["plain", "mounted"])
def base(request: pytest.FixtureRequest, servers: dict[str, str]) -> str:
    """The page's URL, plain and under a prefix."""
    return servers[request.param]


@pytest.fixture()
def server(servers: dict[str, str]) -> str:
    """The plain page's URL."""
    return servers["plain"]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


def watch(pg: Any) -> Any:
    pg.set_default_timeout(TIMEOUT_MS)
    problems: list[str] = []
    pg.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: problems.append(str(e)))
    pg.on("dialog", lambda d: (problems.append(f"dialog: {d.message}"), d.dismiss()))
    pg.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    pg.problems = problems
    return pg


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    yield watch(context.new_page())
    context.close()


@pytest.fixture()
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, device_scale_factor=2, has_touch=True
    )
    yield watch(context.new_page())
    context.close()


def shot(page: Any, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True)


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


def hit_ids(page: Any) -> list[str]:
    ids: list[str] = page.locator("#results > .hit").evaluate_all("ns => ns.map(n => n.dataset.id)")
    return ids


def test_search_flow(base: str, page: Any) -> None:
    mounted = "/archive/" in base
    page.goto(base)
    settled(page)

    # 1. search
    page.get_by_label("Search the archive").fill("Aleppo Nusra")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?q=Aleppo\+Nusra$"))
    assert ("/archive/?" in page.url) == mounted
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
    assert busiest.get_attribute("data-key") == "2016-10"
    busiest.click()
    page.wait_for_url(re.compile(r"date_from=2016-10-01&date_to=2016-10-31"))
    in_october = settled(page)
    assert in_october == max(counts) < filtered
    expect(page.locator(".chip", has_text="2016-10-01 to 2016-10-31")).to_be_visible()
    assert all(d.startswith("2016-10") for d in hit_dates(page))
    first_page_ids = hit_ids(page)

    # 5. page 2
    page.locator("#pager").get_by_role("link", name="Page 2").click()
    page.wait_for_url(re.compile(r"page=2"))
    settled(page)
    expect(page.locator('#pager [aria-current="page"]')).to_have_text("2")
    second_page_ids = hit_ids(page)
    assert second_page_ids and not set(second_page_ids) & set(first_page_ids)
    assert all(d.startswith("2016-10") for d in hit_dates(page))
    shot(page, "results-mounted.png" if mounted else "results.png")

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


def test_article_view(base: str, page: Any) -> None:
    page.goto(base + "?q=Aleppo+Nusra")
    settled(page)
    page.locator('#results > .hit[data-id="gen-003"] h2 a').click()
    page.wait_for_url(re.compile(r"article=gen-003"))
    title = page.locator("#article-title")
    expect(title).to_contain_text("Aleppo update 3: Sergey Lavrov on the Nusra exit")
    assert {t.lower() for t in title.locator("mark").all_inner_texts()} == {"aleppo", "nusra"}
    meta = page.locator("#article-meta")
    expect(meta.locator("time")).to_have_text("4 Oct 2016")
    expect(meta.locator("a.source")).to_have_text("sana")
    expect(meta.locator("a.tag")).to_have_text(["#Syria unrest", "#Diplomacy"])
    expect(meta.locator("a.original")).to_have_attribute("href", "https://news.example/3")
    chips = page.locator("#article-entities a.entity-chip")
    assert set(chips.all_inner_texts()) >= {"Sergey Lavrov", "Al-Nusra Front", "Aleppo", "Latakia"}
    body = page.locator("#article-body")
    expect(body).to_contain_text("Sergey Lavrov spoke on day 3 about the Nusra fighters")
    assert body.locator("mark").count() >= 2  # the whole body, with the query marked
    similar = page.locator("#similar-list a.similar-title")
    expect(similar.first).to_be_visible()
    titles = similar.all_inner_texts()
    seeds = [a for a in searchlib.read_paths([SEEDS]) if isinstance(a, Article)]
    known = {a.title for a in [*articles(), *seeds]}
    assert titles and set(titles) <= known  # titles of articles, never bare ids
    assert any(t.startswith("Aleppo update") for t in titles)
    assert page.locator("#sidebar").is_hidden()
    shot(page, "article-mounted.png" if "/archive/" in base else "article.png")

    # a similar article opens in the same view
    similar.first.click()
    page.wait_for_url(lambda url: "article=gen-003" not in url and "article=" in url)
    expect(page.locator("#article-title")).not_to_contain_text("update 3:")
    page.go_back()
    expect(page.locator("#article-title")).to_contain_text("Aleppo update 3:")

    # an entity chip filters the search by that entity
    page.locator("#article-entities a.entity-chip", has_text="Latakia").click()
    page.wait_for_url(re.compile(r"location=Latakia"))
    assert "article=" not in page.url
    found = settled(page)
    assert 0 < found < 63
    expect(page.locator(".chip", has_text="Latakia")).to_be_visible()
    page.go_back()
    expect(page.locator("#article-title")).to_contain_text("Aleppo update 3:")
    page.locator("#article-back").click()
    page.wait_for_url(re.compile(r"\?q=Aleppo\+Nusra$"))
    assert settled(page) == 63
    assert page.problems == []


def test_similar_copies_list_titles_that_open(server: str, page: Any) -> None:
    page.goto(server + "?q=Aleppo+Nusra")
    settled(page)
    dups = page.locator("#results .dups")
    expect(dups).to_have_count(1)
    dups.locator("summary").click()
    copy = dups.locator("a.dup-title")
    expect(copy).to_have_text("Aleppo update 0: Sergey Lavrov on the Nusra exit")
    expect(dups.locator(".dup-meta")).to_contain_text("wire")
    copy.click()
    page.wait_for_url(re.compile(r"article=copy-of-gen-000"))
    expect(page.locator("#article-meta a.source")).to_have_text("wire")
    assert page.problems == []


def test_autocomplete_by_keyboard(server: str, page: Any) -> None:
    page.goto(server)
    settled(page)
    box = page.get_by_role("combobox", name="Search the archive")
    box.click()
    page.keyboard.type("Lav")
    listbox = page.get_by_role("listbox", name="Suggestions")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    first = listbox.get_by_role("option").first
    expect(first).to_contain_text("Sergey Lavrov")
    expect(first.locator(".option-kind")).to_have_text("person")
    page.keyboard.press("ArrowDown")
    expect(first).to_have_attribute("aria-selected", "true")
    expect(box).to_have_attribute("aria-activedescendant", first.get_attribute("id"))
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"person=Sergey\+Lavrov"))
    assert settled(page) == 42
    expect(box).to_have_value("")  # the typed prefix became the filter
    expect(listbox).to_be_hidden()
    expect(page.locator(".chip", has_text="Sergey Lavrov")).to_be_visible()

    # a word completes the query instead; Escape closes the list
    box.click()
    page.keyboard.type("negotiat")
    option = listbox.get_by_role("option", name=re.compile("negotiators"))
    expect(option).to_be_visible()
    while option.get_attribute("aria-selected") != "true":
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value("negotiators ")
    page.keyboard.type("bus")
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"q=negotiators\+bus"))
    assert settled(page) > 0
    assert page.problems == []


def test_facets_bars_more_filter_and_exclude(server: str, page: Any) -> None:
    page.goto(server + "?q=Aleppo")
    total = settled(page)
    places = page.locator('#facets section[data-facet="location"]')
    rows = places.locator("li")
    visible = places.locator("li:visible")
    n = rows.count()
    assert n >= 16  # Aleppo, the 14 cities, the seed's places
    expect(visible).to_have_count(8)
    more = places.get_by_role("button", name=f"Show {n - 8} more")
    expect(more).to_have_attribute("aria-expanded", "false")
    more.click()
    expect(visible).to_have_count(n)
    expect(places.get_by_role("button", name="Show fewer")).to_have_attribute(
        "aria-expanded", "true"
    )

    # bars: as long as the counts
    widths = places.locator(".bar").evaluate_all(
        "ns => ns.map(n => n.getBoundingClientRect().width)"
    )
    counts = [
        int(c.replace(",", ""))
        for c in places.locator(".count").evaluate_all(
            "ns => ns.map(n => n.textContent.replace(/[^0-9,]/g, ''))"
        )
    ]
    assert counts[0] == max(counts)
    for w, c in zip(widths, counts, strict=True):
        assert abs(w / widths[0] - c / counts[0]) < 0.03

    # a filter inside the facet
    places.get_by_label("Filter places").fill("da")
    expect(visible).to_have_count(2)  # Damascus, Daraa
    assert {t.split("\n")[0] for t in visible.locator("a.facet-value").all_inner_texts()} == {
        "Damascus",
        "Daraa",
    }
    places.get_by_label("Filter places").fill("zz")
    expect(places.get_by_text("No places match.")).to_be_visible()

    # NOT: leave out every article naming a person
    people = page.locator('#facets section[data-facet="person"]')
    lavrov = int(
        re.sub(
            r"\D", "", people.locator("li", has_text="Sergey Lavrov").locator(".count").inner_text()
        )
    )
    people.get_by_role("link", name="not person Sergey Lavrov").click()
    page.wait_for_url(re.compile(r"exclude=person%3ASergey\+Lavrov"))
    assert settled(page) == total - lavrov
    chip = page.locator(".chip-not")
    expect(chip).to_contain_text("not person:")
    expect(chip).to_contain_text("Sergey Lavrov")
    assert all("Sergey Lavrov" not in t for t in page.locator("#results h2").all_inner_texts())
    chip.get_by_role("button", name="Remove filter not person: Sergey Lavrov").click()
    assert settled(page) == total
    assert page.problems == []


def test_timeline_axes_sizes_and_brushing(server: str, page: Any) -> None:
    page.goto(server + "?q=Aleppo+Nusra")
    settled(page)
    chart = page.locator("#histogram svg")
    y_labels = chart.locator(".y-axis text").all_text_contents()
    assert y_labels[0] == "0" and len(y_labels) >= 3
    assert [int(t) for t in y_labels] == sorted(int(t) for t in y_labels)
    x_labels = chart.locator(".x-axis text").all_text_contents()
    assert {"Jun", "Oct", "Dec"} <= set(x_labels) and "2016" in x_labels

    # bars sized to their period: October has 31 days, September 30
    def width(key: str) -> float:
        return float(chart.locator(f'a[data-key="{key}"] rect.hitbox').get_attribute("width") or 0)

    assert width("2016-10") / width("2016-09") == pytest.approx(31 / 30, rel=0.005)
    assert width("2016-07") / width("2016-06") == pytest.approx(31 / 30, rel=0.005)

    # brushing: drag from July to September
    counts = {
        a.get_attribute("data-key"): int(a.get_attribute("data-count") or 0)
        for a in chart.locator("a[data-key]").all()
    }
    start = chart.locator('a[data-key="2016-07"] rect.hitbox').bounding_box()
    end = chart.locator('a[data-key="2016-09"] rect.hitbox').bounding_box()
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + start["height"] / 2)
    page.mouse.down()
    page.mouse.move(end["x"] + 2, end["y"] + end["height"] / 2, steps=8)
    expect(chart.locator("rect.brush")).to_have_attribute("visibility", "visible")
    page.mouse.move(end["x"] + end["width"] / 2, end["y"] + end["height"] / 2, steps=4)
    page.mouse.up()
    page.wait_for_url(re.compile(r"date_from=2016-07-01&date_to=2016-09-30"))
    assert settled(page) == counts["2016-07"] + counts["2016-08"] + counts["2016-09"]
    expect(page.locator(".chip", has_text="2016-07-01 to 2016-09-30")).to_be_visible()
    assert page.problems == []


def test_undated_hits_show_nothing(server: str, page: Any) -> None:
    page.goto(server + "?q=dispatch+border")
    assert settled(page) == 1
    hit = page.locator("#results > .hit")
    assert hit.locator("time").count() == 0
    assert "undated" not in hit.inner_text().lower()
    expect(hit.locator(".meta a.source")).to_have_text("bbc")


def test_filter_with_a_near_miss_suggests_the_nearest_values(server: str, page: Any) -> None:
    page.goto(server + "?person=Sergei+Lavrov")
    assert settled(page) == 0
    hint = page.locator("#filter-hints")
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("No person ‘Sergei Lavrov’ — did you mean Sergey Lavrov (42)?")
    hint.get_by_role("link", name="Sergey Lavrov").click()
    page.wait_for_url(re.compile(r"\?person=Sergey\+Lavrov$"))
    assert settled(page) == 42
    expect(hint).to_be_hidden()
    assert page.problems == []


def test_phone_layout(base: str, phone: Any) -> None:
    page = phone
    page.goto(base + "?q=Aleppo+Nusra&person=Sergey+Lavrov")
    settled(page)
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0
    toggle = page.get_by_role("button", name=re.compile("^Refine"))
    results = page.locator("#results")
    expect(toggle).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "false")
    assert toggle.bounding_box()["y"] < results.bounding_box()["y"]  # above the results
    expect(page.locator("#sidebar")).to_be_hidden()
    shot(page, "results-narrow.png" if "/archive/" not in base else "results-narrow-mounted.png")
    toggle.tap()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    sidebar = page.locator("#sidebar")
    expect(sidebar).to_be_visible()
    assert sidebar.bounding_box()["y"] < results.bounding_box()["y"]  # facets above results
    assert sidebar.bounding_box()["width"] <= 390
    if "/archive/" not in base:
        shot(page, "results-narrow-refine.png")
    page.locator('#facets a[data-facet="tag"]', has_text="Diplomacy").tap()
    page.wait_for_url(re.compile(r"tag=Diplomacy"))
    assert 0 < settled(page) < 42
    assert page.problems == []


def test_did_you_mean_and_hostile_text(server: str, page: Any) -> None:
    page.goto(server + "?q=Alepo")
    settled(page)
    suggestion = page.locator("#suggestion a")
    expect(suggestion).to_have_text("Aleppo")
    suggestion.click()
    page.wait_for_url(re.compile(r"\?q=Aleppo$"))
    assert settled(page) > 10

    page.goto(server + "?q=bold+script&sort=date")
    assert settled(page) == 1
    hit = page.locator("#results > .hit")
    assert "<img src=x" in hit.locator("h2").inner_text()
    assert hit.locator("img, b, script, svg, i").count() == 0
    assert '"><svg onload' in hit.locator(".tags").inner_text()
    hit.locator("h2 a").click()
    page.wait_for_url(re.compile(r"article=hostile"))
    expect(page.locator("#article-title")).to_contain_text("<img src=x")
    assert page.locator("#article-view a.original").count() == 0  # a javascript: URL
    assert page.locator("a[href^='javascript:']").count() == 0
    assert page.locator("#article-view img, #article-view script").count() == 0
    assert page.evaluate("window.pwned") is None
    assert page.problems == []


def test_keyboard_only(server: str, page: Any) -> None:
    page.goto(server)
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


def test_api_reference(base: str, page: Any) -> None:
    page.goto(base + "docs")
    section = page.locator("section.endpoint", has=page.locator("h2", has_text="/suggest"))
    expect(section).to_be_visible()
    expect(page.locator("#api-toc li")).to_have_count(12)
    section.get_by_label("prefix (required)").fill("lav")
    section.get_by_role("button", name="Send").click()
    expect(section.locator(".try-status")).to_contain_text("200")
    answer = json.loads(section.locator("pre.try-body").inner_text())
    assert answer["suggestions"][0]["text"] == "Sergey Lavrov"
    article = page.locator(
        "section.endpoint", has=page.locator("h2", has_text="/articles/{article_id}")
    )
    form = article.filter(has_not=page.locator("h2", has_text="similar")).filter(
        has=page.locator("form")
    )
    form.get_by_label("article_id (required)").fill("bbc/undated.txt")
    form.get_by_role("button", name="Send").click()
    expect(form.locator(".try-status")).to_contain_text("200")
    assert json.loads(form.locator("pre.try-body").inner_text())["source"] == "bbc"
    if "/archive/" not in base:
        shot(page, "docs.png")
    assert page.problems == []


SERIOUS = {"serious", "critical"}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """axe-core's violations on the page as it is (the script is evaluated through the
    DevTools protocol, which the page's CSP does not govern)."""
    page.evaluate(AXE.read_text(encoding="utf-8"))
    found: list[dict[str, Any]] = page.evaluate(
        """async () => (await axe.run(document, {resultTypes: ['violations']})).violations
              .map(v => ({id: v.id, impact: v.impact, help: v.help,
                          nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))"""
    )
    return found


@pytest.mark.skipif(not AXE.is_file(), reason=f"axe-core is not installed ({AXE})")
def test_accessibility_axe(server: str, page: Any, phone: Any) -> None:
    report: dict[str, Any] = {}
    page.goto(server + "?q=Aleppo+Nusra")
    settled(page)
    page.locator("#results .dups summary").click()
    page.locator('#facets section[data-facet="location"] button.more').click()
    report["results"] = axe_violations(page)
    page.goto(server + "?q=Aleppo+Nusra&article=gen-003")
    expect(page.locator("#similar-list a").first).to_be_visible()
    report["article"] = axe_violations(page)
    page.goto(server + "?person=Sergei+Lavrov")
    settled(page)
    page.get_by_role("combobox", name="Search the archive").fill("Lav")
    expect(page.get_by_role("listbox")).to_be_visible()
    page.keyboard.press("ArrowDown")
    report["hint-and-autocomplete"] = axe_violations(page)
    page.goto(server + "docs")
    expect(page.locator("section.endpoint").first).to_be_visible()
    report["docs"] = axe_violations(page)
    phone.goto(server + "?q=Aleppo+Nusra")
    settled(phone)
    phone.get_by_role("button", name=re.compile("^Refine")).tap()
    report["phone"] = axe_violations(phone)
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "axe.json").write_text(json.dumps(report, indent=1) + "\n")
    serious = [
        f"{view}: {v['id']} ({v['impact']}): {v['help']} at {v['nodes']}"
        for view, violations in report.items()
        for v in violations
        if v["impact"] in SERIOUS
    ]
    assert serious == []
