"""How the seed campaign's довідка lays out on paper: its page count and its largest blank area.

    .venv/bin/python benchmarks/report_pages.py [--out test-artifacts/report-pages] [--keep-png]

Builds the довідка of the seed-reproducing campaign (``tests/seed_campaign.py``, as
``tests/test_report_seed.py`` does) in a throw-away SQLite database, converts it with
``libreoffice --headless --convert-to pdf``, renders every page with ``pdftoppm -png -r 50`` and
measures, per page, the tallest run of blank (near-white) pixel rows as a percentage of the page
height. The page margins (20 mm of 297 at the top and at the bottom, 6.7 % each) are part of
such a run; the last page ends where the text ends, so its blank tail is reported apart.

Prints one line per page, then the page count and the largest blank area of the pages before
the last, against the target (≤ 40 %: a caption stays with its chart, so a page may end one
caption-and-chart block early, and the seed's tallest block is about a third of a page); exit
status 1 when the target is missed, 2 when LibreOffice or pdftoppm is missing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SECRET_KEY", "benchmark")

TARGET_BLANK_PERCENT = 40.0
WHITE = 245  # a row is blank when every pixel of it is at least this light


def seed_report(database_url: str) -> bytes:
    """Return the .docx bytes of the seed campaign's довідка built in ``database_url``."""
    from flask_migrate import upgrade

    from app import create_app
    from app.reports.service import campaign_report
    from tests.factories import make_school
    from tests.seed_campaign import make_seed_campaign

    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": database_url, "TESTING": True, "SERVER_NAME": "localhost"}
    )
    with app.app_context():
        upgrade()
        campaign = make_seed_campaign(make_school("school-a", "Гімназія №1"))
        return campaign_report(campaign)


def to_pngs(docx: Path, out: Path) -> list[Path]:
    """Convert ``docx`` to PDF and to one PNG per page (50 dpi) in ``out``; return the PNGs."""
    out = out.resolve()
    profile = out / "lo-profile"
    subprocess.run(
        [
            "libreoffice",
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            str(docx),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    shutil.rmtree(profile, ignore_errors=True)
    pdf = out / (docx.stem + ".pdf")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "50", str(pdf), str(out / "page")], check=True, timeout=300
    )
    return sorted(out.glob("page-*.png"))


def tallest_blank_run(png: Path) -> float:
    """Return the tallest run of blank pixel rows of a page image, in % of its height."""
    image = Image.open(png).convert("L")
    width, height = image.size
    pixels = image.load()
    assert pixels is not None
    best = run = 0
    for y in range(height):
        if all(pixels[x, y] >= WHITE for x in range(width)):
            run += 1
            best = max(best, run)
        else:
            run = 0
    return 100.0 * best / height


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", default=str(ROOT / "test-artifacts" / "report-pages"))
    args = parser.parse_args()
    if not (shutil.which("libreoffice") and shutil.which("pdftoppm")):
        print("libreoffice and pdftoppm are needed (scripts/system-deps.sh installs them)")
        return 2
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory() as tmp:
        data = seed_report(f"sqlite:///{Path(tmp) / 'pages.db'}")
    docx = out / "dovidka-seed.docx"
    docx.write_bytes(data)
    pages = to_pngs(docx, out)
    blanks = [tallest_blank_run(page) for page in pages]
    for number, blank in enumerate(blanks, start=1):
        note = " (last page)" if number == len(blanks) else ""
        print(f"page {number:2}: tallest blank run {blank:5.1f} %{note}")
    worst = max(blanks[:-1], default=0.0)
    verdict = "PASS" if worst <= TARGET_BLANK_PERCENT else "FAIL"
    print(
        f"pages: {len(pages)}; largest blank area before the last page: {worst:.1f} % "
        f"of the page (target ≤ {TARGET_BLANK_PERCENT:.0f} %) {verdict}"
    )
    print(f"PNGs and PDF in {out}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
