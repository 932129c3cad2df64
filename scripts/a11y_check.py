"""Accessibility check of the running app with axe-core (WCAG 2.1 A and AA rules).

A developer's tool, not part of `make test` (it needs a browser). With the demo running
(`make run`):

    npm pack axe-core && tar xzf axe-core-*.tgz          # gives package/axe.min.js
    pip install playwright                                 # in any venv; uses Debian's chromium
    python scripts/a11y_check.py package/axe.min.js [http://127.0.0.1:5000]

Prints the violations per page (an empty list is a pass).
"""

import sys

from playwright.sync_api import sync_playwright

PAGES = [
    (None, ["/", "/login", "/password/forgot", "/accessibility"]),
    ("directeur@delinde.example", [
        "/o/woonstichting-de-linde/", "/o/woonstichting-de-linde/people", "/o/woonstichting-de-linde/rounds/",
        "/o/woonstichting-de-linde/rounds/3", "/o/woonstichting-de-linde/rounds/3/results",
        "/o/woonstichting-de-linde/rounds/3/plan/", "/o/woonstichting-de-linde/progress/",
    ]),
    ("consultant@koersenklant.example", ["/c/koers-en-klant/", "/c/koers-en-klant/portfolio/", "/c/koers-en-klant/settings"]),
]
RUN = ("async () => (await axe.run(document, {runOnly: ['wcag2a','wcag2aa','wcag21a','wcag21aa']}))"
       ".violations.map(v => [v.id, v.impact, v.nodes.length])")


def main(axe_path: str, base: str) -> int:
    axe = open(axe_path).read()
    failures = 0
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        for user, urls in PAGES:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, bypass_csp=True)
            page = context.new_page()
            if user:
                page.goto(base + "/login")
                page.fill("#email", user)
                page.fill("#password", "spiegel-demo-2026")
                page.click("main button[type=submit]")
            for url in urls:
                page.goto(base + url)
                page.add_script_tag(content=axe)
                violations = page.evaluate(RUN)
                failures += len(violations)
                print(url, violations)
            context.close()
        browser.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:5000"))
