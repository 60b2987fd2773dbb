"""Open every page of a built book in headless Chromium and fail on what a reader would see broken.

Serves the HTML folder on localhost, loads each page with Playwright driving the system's Chromium (no
browser download), and fails on a page that does not load, an image that does not render (a figure the
notebook produced but the page lost), or a JavaScript error. Requests that leave localhost are blocked (CI
has no network) and counted, not failed: the theme fetches MathJax from a CDN, so formulas stay TeX source
here and their rendering is not checked. Screenshots of the intro and of one figure page are written to
``--screenshots``.

    python book/_scripts/browser_check.py _build/smoke/_build/html --screenshots _build/smoke/browser
"""
import argparse
import functools
import http.server
import os
import shutil
import sys
import threading
from pathlib import Path

SKIP = ("_static", "_sources", "_images")
# Chromium flags for a machine without network, display or sandbox; the background services would otherwise
# try (and fail) to reach Google's hosts at every start.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]
BROKEN_IMAGES = "Array.from(document.images).filter(i => !i.complete || i.naturalWidth === 0).map(i => i.src)"


def find_chromium(given: str | None) -> str:
    for candidate in (given, os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        path = candidate and shutil.which(candidate)
        if path:
            return path
    sys.exit("browser check: no Chromium found. Install Debian's package (apt-get install chromium), or pass "
             "--chromium /path/to/chrome (or set CHROMIUM).")


def pages(html: Path) -> list[str]:
    return sorted(p.relative_to(html).as_posix() for p in html.rglob("*.html") if p.relative_to(html).parts[0] not in SKIP)


class _Server(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        if not isinstance(sys.exc_info()[1], ConnectionError):  # the browser dropped a request it no longer needed
            super().handle_error(request, client_address)


def serve(html: Path) -> http.server.ThreadingHTTPServer:
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = _Server(("127.0.0.1", 0), functools.partial(Quiet, directory=str(html)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def check(html: Path, chromium: str, screenshots: Path, figure_page: str) -> int:
    from playwright.sync_api import sync_playwright

    server = serve(html)
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    problems, external = [], set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=FLAGS)
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors = []
        page.on("pageerror", lambda error: errors.append(f"JavaScript error: {error}"))
        page.on("console", lambda m: errors.append(f"console error: {m.text}")
                if m.type == "error" and "net::ERR_BLOCKED" not in m.text and "ERR_FAILED" not in m.text else None)
        page.on("requestfailed", lambda r: None if not r.url.startswith(base)
                else errors.append(f"failed to load {r.url[len(base):]}: {r.failure}"))

        def route(request_route):
            if request_route.request.url.startswith(base):
                request_route.continue_()
            else:
                external.add(request_route.request.url.split("/")[2])
                request_route.abort("blockedbyclient")

        page.route("**/*", route)
        names = pages(html)
        for name in names:
            errors.clear()
            response = page.goto(base + name, wait_until="load")
            if response is None or not response.ok:
                errors.append(f"page did not load (HTTP {response.status if response else 'no response'})")
            elif 'http-equiv="refresh"' in (html / name).read_text(errors="replace").lower():  # index.html -> the intro
                page.wait_for_url(lambda url: url != base + name)
                page.wait_for_load_state("load")
            errors += [f"image did not render: {src[len(base):] if src.startswith(base) else src}"
                       for src in page.evaluate(BROKEN_IMAGES)]
            problems += [f"{name}: {e}" for e in errors]
            for shot, wanted in (("intro.png", "book/intro.html"), ("figure.png", figure_page)):
                if name == wanted:
                    screenshots.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(screenshots / shot), full_page=True)
        browser.close()
    server.shutdown()
    for wanted in ("book/intro.html", figure_page):
        if wanted not in names:
            problems.append(f"{wanted}: missing from the book (wanted for a screenshot)")
    print(f"[browser] {len(names)} pages opened in {chromium}; blocked requests to {sorted(external) or 'no host'}")
    for line in problems:
        print(f"[browser] FAIL {line}", file=sys.stderr)
    if not problems:
        print(f"[browser] all pages loaded without errors; screenshots in {screenshots}")
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("html", type=Path, help="the built book's HTML folder")
    parser.add_argument("--screenshots", type=Path, required=True, help="folder for intro.png and figure.png")
    parser.add_argument("--figure-page", default="notebooks/fading_memory/fig02_critical_dynamics.html",
                        help="the figure page to screenshot")
    parser.add_argument("--chromium", default=None, help="Chromium executable (default: $CHROMIUM or on PATH)")
    args = parser.parse_args()
    if not (args.html / "index.html").is_file():
        sys.exit(f"browser check: {args.html} holds no built book (no index.html); build it first")
    sys.exit(check(args.html, find_chromium(args.chromium), args.screenshots, args.figure_page))


if __name__ == "__main__":
    main()
