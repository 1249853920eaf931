"""Weigh the respondent pages of the bundled questionnaires against the 20 KB budget.

Builds a throw-away app on a temporary SQLite database (migrations, the bundled library, one
school and campaign), GETs each role's /s/<token> page with the test client exactly as a phone
would receive it (CSRF on, as in production), adds every resource the page references (none,
when everything is inline), and prints raw and gzip-compressed (level 6) sizes.

    .venv/bin/python benchmarks/page_weight.py

Exits 1 if any page (with what it loads) compresses to more than the budget.
"""

from __future__ import annotations

import gzip
import os
import sys
import tempfile
from html.parser import HTMLParser
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("SECRET_KEY", "page-weight-benchmark")

BUDGET = 20 * 1024
ROLES = ("teachers", "students", "parents")


class ResourceFinder(HTMLParser):
    """Collect the URLs a page makes the browser fetch (styles, scripts, images, icons)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        url = values.get("src") if tag in {"script", "img", "iframe"} else None
        if tag == "link":
            url = values.get("href")
        if url and not url.startswith("data:"):
            self.urls.append(url)


def gzip_size(data: bytes) -> int:
    return len(gzip.compress(data, compresslevel=6, mtime=0))


def main() -> int:
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import School
    from app.staff.services import create_campaign
    from app.surveys.definitions.library import load_questionnaires

    with tempfile.TemporaryDirectory() as folder:
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{Path(folder) / 'weight.db'}",
                "WTF_CSRF_ENABLED": True,
            }
        )
        with app.app_context():
            upgrade()
            load_questionnaires()
            school = School(slug="weight", name="Ліцей №1 імені Лесі Українки")
            db.session.add(school)
            db.session.commit()
            campaign = create_campaign(school, "assessment-system", "2024-2025", title="Вага")
            client = app.test_client()
            print(
                f"{'questionnaire':<11} {'questions':>9} {'raw bytes':>10} {'gzip-6':>8}  "
                f"{'loads':>5}  budget {BUDGET} B"
            )
            failed = False
            for role in ROLES:
                link = campaign.link_for(role)
                if link is None:
                    continue
                page = client.get(f"/s/{link.token}")
                if page.status_code != 200:
                    print(f"{role:<11} GET /s/<token> answered {page.status_code}: FAIL")
                    failed = True
                    continue
                finder = ResourceFinder()
                finder.feed(page.get_data(as_text=True))
                loaded = [client.get(url).data for url in finder.urls]
                raw = len(page.data) + sum(len(body) for body in loaded)
                packed = gzip_size(page.data) + sum(gzip_size(body) for body in loaded)
                verdict = "PASS" if packed <= BUDGET else "FAIL"
                failed = failed or verdict == "FAIL"
                count = len(link.questionnaire.questions)
                print(f"{role:<11} {count:>9} {raw:>10} {packed:>8}  {len(loaded):>5}  {verdict}")
            db.session.remove()
            db.engine.dispose()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
