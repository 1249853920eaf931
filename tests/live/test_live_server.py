"""Every page and download on a real server (gunicorn), as five identities.

The Flask test client keeps the request's context (and its database session) alive until a
test ends, so a response streamed after its view returned worked in every other test and
failed on every real server. This layer runs the production command on a free loopback port
with a migrated database holding the demo data (tests/live/server.py) and requests:

1. every GET route of ``app.url_map``, its URL arguments filled by name from the database
   (``ARGUMENTS``), as an admin, a member and a director of the demo school, a member of
   another school and an anonymous visitor; the expected answer per identity is the
   authorization matrix's (tests/test_authz_matrix.py, ``EXPECTED``);
2. every link and GET form found on the campaign, results, texts, builder and import pages of
   each identity (never a logout, rotate or delete link: they change state).

Each answer is checked: the status against the matrix, the content type against the URL, and
that the body parses (HTML, CSV rows with the csv module, XLSX with openpyxl, .docx with
python-docx, JSON, YAML, PNG, SVG). A GET route that nothing reached with a 200 fails
``test_every_get_route_is_reached`` unless ``EXCLUDED`` says why it is left out.
"""

from __future__ import annotations

import csv
import io
import json
import re
import urllib.parse
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from html.parser import HTMLParser

import pytest
import yaml
from docx import Document
from flask import Flask
from openpyxl import load_workbook
from werkzeug.exceptions import HTTPException
from werkzeug.routing import AnyConverter, Rule

from app import create_app
from app.analysis.results import ROLES
from app.reports.language import typeset
from tests.live.server import (
    LOGOUT_EMAIL,
    PASSWORD,
    Answer,
    Browser,
    GunicornServer,
    ServerFailed,
    World,
)
from tests.test_authz_matrix import (
    EXPECTED,
    FORBIDDEN,
    HIDDEN,
    LOGIN,
    OK,
    OK_OR_MISSING,
    UNAUTHORIZED,
)

pytestmark = pytest.mark.live

IDENTITIES = ("anonymous", "other_school", "director", "member", "admin")
REDIRECT = "redirect"  # a 302/303 elsewhere than /login: an allowed answer to a GET

#: Routes outside the authorization matrix (which covers staff pages only): everybody gets the
#: page. A logged-in user asking for /login is sent on to the staff pages.
PUBLIC: dict[str, Callable[[str], set[str]]] = {
    "respondent.entry": lambda identity: {OK},
    "respondent.thanks": lambda identity: {OK},
    "auth.login": lambda identity: {OK} if identity == "anonymous" else {REDIRECT},
    "health.healthz": lambda identity: {OK},
    "health.livez": lambda identity: {OK},
    "static": lambda identity: {OK},
}

#: GET routes the layer deliberately does not request, with the reason. Empty: every GET route
#: is requested. A route added here needs a comment saying why a real server need not serve it.
EXCLUDED: dict[str, str] = {}

#: GET routes whose only answer, by design, is a redirect (so no 200 is expected anywhere).
REDIRECT_ONLY: dict[str, str] = {"staff.index": "«/» sends every visitor on to /campaigns/"}

#: Query strings a route needs to do its work: one URL per item.
QUERY: dict[str, list[dict[str, str]]] = {
    "exports.export_responses_csv": [{"role": role} for role in ROLES],
}

#: URL arguments filled first; the other arguments may depend on them (a question key on the
#: campaign or the school's copy and the role, an upload on the campaign, a copy on the school).
FIRST = ("campaign_id", "slug", "direction_id", "role", "kind")

#: Links never followed from a page: they change state (tested explicitly where at all).
NEVER_FOLLOW = re.compile(r"logout|rotate|delete", re.IGNORECASE)

#: URL arguments that only choose another item of the same kind on the same view (the builder
#: links every question): a link differing from a requested URL only in these is not requested
#: again (the url_map pass requests one question per campaign and role).
SAME_VIEW = ("key",)

#: The pages whose links and GET forms are followed.
CRAWLED = {
    "staff.campaign",
    "dashboard.results",
    "dashboard.texts",
    "builder.campaign",
    "builder.index",
    "builder.role",
    "imports.upload",
    "imports.confirm",
    "imports.result",
}

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
#: The content type a URL's ending promises (anything else: HTML; /api/, /healthz: JSON).
SUFFIX_TYPES = {
    ".csv": "text/csv",
    ".xlsx": XLSX,
    ".docx": DOCX,
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".yaml": "application/yaml",
    ".css": "text/css",
    ".js": "text/javascript",
}
DOWNLOADS = {".csv", ".xlsx", ".docx", ".yaml"}


class UnfilledArgument(LookupError):
    """A route has a URL argument the layer does not know how to fill: add it to ARGUMENTS."""


def argument_values(name: str, rule: Rule, bound: dict[str, object], world: World) -> list:
    """Return the real values for URL argument ``name`` given the arguments already ``bound``.

    An empty list means the database has nothing for this combination (e.g. no upload waits on
    that campaign): the URL is not built. Raises UnfilledArgument for an unknown name.
    """
    converter = rule._converters.get(name)
    if isinstance(converter, AnyConverter):  # role, kind: every allowed value
        return sorted(converter.items)
    campaign, role = bound.get("campaign_id"), bound.get("role")
    copy = bound.get("direction_id")
    if name == "campaign_id":  # the demo school's two, the other school's one
        return list(world.campaigns)
    if name == "slug":  # a school's, for its own copies of a direction
        return list(world.school_slugs)
    if name == "direction_id":  # the bound school's own copies
        school = world.school_slugs[bound["slug"]]  # type: ignore[index]
        return [d for d, s in world.copies.items() if s == school]
    if name == "role":
        return list(ROLES)
    if name == "token":  # a respondent link: of the bound campaign, else the demo campaign's
        if campaign is None:
            return [t for (c, _r), t in world.tokens.items() if c == world.demo_campaign]
        return [world.tokens[(campaign, role)]] if (campaign, role) in world.tokens else []
    if name == "key":  # a question of the campaign's (or the copy's) questionnaire of the role
        if copy is not None:
            key = world.copy_keys.get((copy, role))  # type: ignore[arg-type]
        else:
            key = world.question_keys.get((campaign, role))  # type: ignore[arg-type]
        return [key] if key else []
    if name == "upload_id":  # a CSV uploaded (over HTTP) to that campaign
        upload = world.uploads.get(campaign)  # type: ignore[arg-type]
        return [upload] if upload else []
    if name == "filename":  # static files
        return list(world.static_files)
    raise UnfilledArgument(f"{rule.endpoint} ({rule.rule}): argument «{name}»")


def route_urls(app: Flask, rule: Rule, world: World) -> Iterator[tuple[str, dict]]:
    """Yield (URL, arguments) for every combination of real argument values of ``rule``."""
    names = sorted(rule.arguments, key=lambda n: FIRST.index(n) if n in FIRST else len(FIRST))

    def expand(index: int, bound: dict) -> Iterator[dict]:
        if index == len(names):
            yield dict(bound)
            return
        for value in argument_values(names[index], rule, bound, world):
            yield from expand(index + 1, {**bound, names[index]: value})

    adapter = app.url_map.bind("127.0.0.1")
    for arguments in expand(0, {}):
        for query in QUERY.get(rule.endpoint, [{}]):
            url = adapter.build(rule.endpoint, arguments, method="GET")
            if query:
                url += "?" + urllib.parse.urlencode(query)
            yield url, arguments


def get_rules(app: Flask) -> list[Rule]:
    return sorted(
        (rule for rule in app.url_map.iter_rules() if "GET" in (rule.methods or ())),
        key=lambda rule: rule.endpoint,
    )


@dataclass(frozen=True)
class Visit:
    identity: str
    endpoint: str
    url: str
    campaign_id: int | None
    answer: Answer
    found_on: str | None = None  # the page whose link led here (None: from the url_map)
    school_id: int | None = None  # the school the URL's campaign or copy belongs to


def url_school(arguments: dict, world: World) -> int | None:
    """Return the school whose data a URL names: its campaign's, or the school of its slug."""
    if "campaign_id" in arguments:
        return world.campaigns.get(arguments["campaign_id"])
    if "slug" in arguments:
        return world.school_slugs.get(arguments["slug"])
    return None


def actor(identity: str, school_id: int | None, world: World) -> str:
    """Return the matrix's column for ``identity`` requesting a URL of school ``school_id``: a
    member of another school is that school's member, the demo staff are «other school»."""
    if identity in ("anonymous", "admin") or school_id is None:
        return identity
    person = world.identities[identity]
    if school_id != person.school_id:
        return "other_school"
    return person.role


def expected(identity: str, endpoint: str, school_id: int | None, world: World) -> set[str]:
    """Return the outcomes allowed for the GET; raises KeyError for an undecided route."""
    if endpoint in PUBLIC:
        return PUBLIC[endpoint](identity)
    decision = EXPECTED[(endpoint, "GET")]
    want = getattr(decision, actor(identity, school_id, world))
    if want in (OK, OK_OR_MISSING):
        return {OK, REDIRECT}
    if want == HIDDEN and identity == "director" and decision.director == FORBIDDEN:
        # A director is refused an editor's page before any campaign or copy is looked up:
        # the same 403 for every id, so it confirms nothing about another school's data.
        return {HIDDEN, FORBIDDEN}
    return {want}


def outcome(answer: Answer) -> str:
    status = answer.status
    if status in (302, 303):
        path = urllib.parse.urlparse(answer.location).path
        return LOGIN if path == "/login" else REDIRECT
    return {200: OK, 401: UNAUTHORIZED, 403: FORBIDDEN, 404: HIDDEN}.get(status, f"status {status}")


# Body checks ----------------------------------------------------------------------------------


class _StrictHTML(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def check_html(visit: Visit, world: World) -> None:
    text = visit.answer.text()
    assert text.lstrip().lower().startswith("<!doctype html>"), "no <!doctype html>"
    parser = _StrictHTML()
    parser.feed(text)
    parser.close()
    assert {"html", "head", "body"} <= set(parser.tags), "no html/head/body"
    assert text.rstrip().endswith("</html>"), "the page does not end with </html>"


def _query_role(url: str) -> str | None:
    return urllib.parse.parse_qs(urllib.parse.urlparse(url).query).get("role", [None])[0]


def check_csv(visit: Visit, world: World) -> None:
    text = visit.answer.text()
    assert text.startswith("\ufeff"), "no UTF-8 BOM (Excel)"
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    header, data = rows[0], rows[1:]
    assert header[:2] == ["№", "Дата"] and len(header) > 2, f"header {header[:3]}"
    assert all(len(row) == len(header) for row in data), "rows of another width than the header"
    count = world.responses.get((visit.campaign_id, _query_role(visit.url)), 0)  # type: ignore[arg-type]
    assert len(data) == count, f"{len(data)} data rows, {count} responses stored"


def check_xlsx(visit: Visit, world: World) -> None:
    workbook = load_workbook(io.BytesIO(visit.answer.body), read_only=True)
    try:
        assert workbook.sheetnames, "no sheet"
        rows = {
            name: list(workbook[name].iter_rows(values_only=True)) for name in workbook.sheetnames
        }
    finally:
        workbook.close()
    assert all(rows[name] for name in rows), "an empty sheet (not even a header)"
    if visit.url.split("?")[0].endswith("/responses.xlsx"):
        count = sum(n for (c, _r), n in world.responses.items() if c == visit.campaign_id)
        assert sum(len(r) - 1 for r in rows.values()) == count, "data rows ≠ responses stored"
    else:  # tables.xlsx
        assert "Вимоги" in rows, f"sheets {list(rows)}"


def check_docx(visit: Visit, world: World) -> None:
    document = Document(io.BytesIO(visit.answer.body))
    styled = [(p.style.name, p.text) for p in document.paragraphs if p.text.strip()]
    assert ("Title", "Довідка") in styled, "no «Довідка» title"
    text = "\n".join(t for _s, t in styled)
    # The довідка typesets the name as it prints every text («Ліцей №1» → «Ліцей № 1»).
    name = typeset(world.school_names[world.campaigns[visit.campaign_id]])  # type: ignore[index]
    assert name in text or name in _table_text(document), f"the school «{name}» is not named"


def _table_text(document) -> str:  # noqa: ANN001
    return "\n".join(c.text for t in document.tables for row in t.rows for c in row.cells)


def check_json(visit: Visit, world: World) -> None:
    assert isinstance(json.loads(visit.answer.body), dict), "not a JSON object"


def check_png(visit: Visit, world: World) -> None:
    assert visit.answer.body.startswith(b"\x89PNG\r\n\x1a\n"), "no PNG signature"


def check_svg(visit: Visit, world: World) -> None:
    root = ElementTree.fromstring(visit.answer.body)
    assert root.tag.endswith("svg"), f"root element {root.tag}"


def check_yaml(visit: Visit, world: World) -> None:
    document = yaml.safe_load(visit.answer.body)
    assert isinstance(document, dict) and document.get("questions"), "no questions"


def check_text(visit: Visit, world: World) -> None:
    assert visit.answer.text().strip(), "empty"


CHECKS = {
    "text/html": check_html,
    "text/csv": check_csv,
    XLSX: check_xlsx,
    DOCX: check_docx,
    "application/json": check_json,
    "image/png": check_png,
    "image/svg+xml": check_svg,
    "application/yaml": check_yaml,
    "text/css": check_text,
    "text/javascript": check_text,
}


def expected_type(url: str) -> str:
    path = urllib.parse.urlparse(url).path
    for suffix, content_type in SUFFIX_TYPES.items():
        if path.endswith(suffix):
            return content_type
    if path.startswith("/api/") or path in ("/healthz", "/livez"):
        return "application/json"
    return "text/html"


def body_problem(visit: Visit, world: World) -> str | None:
    """Return what is wrong with a 200 answer's type or body, or None."""
    want = expected_type(visit.url)
    got = visit.answer.content_type.split(";")[0].strip()
    if got != want:
        return f"content type {got!r}, expected {want!r}"
    suffix = next((s for s in DOWNLOADS if urllib.parse.urlparse(visit.url).path.endswith(s)), "")
    disposition = visit.answer.headers.get("content-disposition", "")
    if suffix and not (disposition.startswith("attachment") and suffix in disposition):
        return f"not an attachment «…{suffix}»: {disposition!r}"
    try:
        CHECKS[want](visit, world)
    except Exception as error:  # noqa: BLE001 (any parser's failure is the finding)
        return f"body does not parse: {type(error).__name__}: {error}"
    return None


# The crawl ------------------------------------------------------------------------------------


@dataclass
class Crawl:
    visits: list[Visit]
    unfilled: list[str]
    #: (identity, page URL) → the same-site links and GET forms found on it, in page order
    links: dict[tuple[str, str], list[str]]


def _links(page: str) -> list[str]:
    """Return the hrefs and the actions of GET forms on an HTML page."""
    found: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            values = dict(attrs)
            if tag in ("a", "link") and values.get("href"):
                found.append(values["href"])
            elif tag == "img" and values.get("src"):
                found.append(values["src"])
            elif tag == "form" and (values.get("method") or "get").lower() == "get":
                found.append(values.get("action") or "")

    parser = Links(convert_charrefs=True)
    parser.feed(page)
    return found


def _same_site(base: str, page_url: str, href: str) -> str | None:
    """Return ``href`` as a path (with its query) on the server, or None for elsewhere."""
    target = urllib.parse.urlparse(urllib.parse.urljoin(base + page_url, href))
    if (
        target.scheme not in ("http", "https")
        or target.netloc != urllib.parse.urlparse(base).netloc
    ):
        return None
    return target.path + (f"?{target.query}" if target.query else "")


def _upload_csv(browser: Browser, world: World, campaign: int) -> None:
    """Upload a CSV to ``campaign`` (not imported), so its confirmation page is real."""
    page = f"/campaigns/{campaign}/import"
    token = browser.csrf_token(page)
    answer = browser.post_file(
        page, {"csrf_token": token, "role": "teachers"}, "file", ("live.csv", world.import_csv)
    )
    assert answer.status in (302, 303), f"upload: {answer.status} {answer.body[:300]!r}"
    world.uploads[campaign] = urllib.parse.urlparse(answer.location).path.rsplit("/", 1)[-1]


def _cancel_upload(browser: Browser, campaign: int, upload: str) -> None:
    page = f"/campaigns/{campaign}/import/{upload}"
    browser.post(page, {"csrf_token": browser.csrf_token(page), "action": "cancel"})


@pytest.fixture(scope="module")
def url_app(live_database_url: str) -> Flask:
    """The app object whose url_map the server serves (only its routes are used)."""
    return create_app({"SQLALCHEMY_DATABASE_URI": live_database_url})


@pytest.fixture(scope="module")
def crawl(
    url_app: Flask, live_server: GunicornServer, live_world: World, browsers: dict[str, Browser]
) -> Iterator[Crawl]:
    """Request every GET route as every identity, then follow the crawled pages' links."""
    uploaders = {live_world.demo_campaign: "member", live_world.other_campaign: "other_school"}
    for campaign, identity in uploaders.items():
        _upload_csv(browsers[identity], live_world, campaign)
    requests: list[tuple[str, str, str, int | None, str | None, int | None]] = []
    unfilled: list[str] = []
    for rule in get_rules(url_app):
        if rule.endpoint in EXCLUDED:
            continue
        try:
            urls = list(route_urls(url_app, rule, live_world))
        except UnfilledArgument as error:
            unfilled.append(str(error))
            continue
        for url, arguments in urls:
            for identity in IDENTITIES:
                school = url_school(arguments, live_world)
                requests.append(
                    (identity, rule.endpoint, url, arguments.get("campaign_id"), None, school)
                )
    adapter = url_app.url_map.bind("127.0.0.1")
    with ThreadPoolExecutor(max_workers=4) as pool:
        visits = list(pool.map(lambda r: _visit(browsers, *r), requests))
        seen = {(v.identity, v.url) for v in visits}
        views = {(v.identity, _view(adapter, v.url)) for v in visits}
        follow = []
        pages = [v for v in visits if v.endpoint in CRAWLED and v.answer.status == 200]
        links: dict[tuple[str, str], list[str]] = {}
        for page in pages:
            for href in _links(page.answer.text()):
                target = _same_site(live_server.base, page.url, href)
                if target is None or NEVER_FOLLOW.search(target):
                    continue
                links.setdefault((page.identity, page.url), []).append(target)
                if (page.identity, target) in seen:
                    continue
                seen.add((page.identity, target))
                if (page.identity, _view(adapter, target)) in views:
                    continue
                views.add((page.identity, _view(adapter, target)))
                endpoint, arguments = _match(adapter, target)
                campaign = arguments.get("campaign_id")
                school = url_school(arguments, live_world)
                follow.append((page.identity, endpoint, target, campaign, page.url, school))
        visits += list(pool.map(lambda r: _visit(browsers, *r), follow))
    try:
        yield Crawl(visits, unfilled, links)
    finally:
        for campaign, identity in uploaders.items():  # nothing left in instance/imports
            _cancel_upload(browsers[identity], campaign, live_world.uploads[campaign])


def _match(adapter, target: str) -> tuple[str, dict]:  # noqa: ANN001
    path = urllib.parse.urlparse(target).path
    try:
        return adapter.match(path, method="GET")
    except HTTPException:
        return "<no route>", {}


def _view(adapter, url: str) -> tuple:  # noqa: ANN001
    """Return what identifies a URL's view and data, ``SAME_VIEW`` arguments left out."""
    endpoint, arguments = _match(adapter, url)
    kept = tuple(sorted((k, v) for k, v in arguments.items() if k not in SAME_VIEW))
    return endpoint, kept, urllib.parse.urlparse(url).query


def _visit(browsers, identity, endpoint, url, campaign_id, found_on, school_id) -> Visit:  # noqa: ANN001
    answer = browsers[identity].get(url)
    return Visit(identity, endpoint, url, campaign_id, answer, found_on, school_id)


def _where(visit: Visit) -> str:
    via = f" (link on {visit.found_on})" if visit.found_on else ""
    return f"{visit.identity}: GET {visit.url} [{visit.endpoint}]{via}"


# Tests ----------------------------------------------------------------------------------------


def test_every_get_route_is_reached(url_app, crawl):
    """A GET route nothing answered with a 200 (or cannot be filled) fails, unless excluded."""
    assert not crawl.unfilled, (
        "routes with URL arguments the live layer cannot fill — add them to argument_values "
        f"in tests/live/test_live_server.py: {crawl.unfilled}"
    )
    reached = {v.endpoint for v in crawl.visits if v.answer.status == 200}
    redirected = {v.endpoint for v in crawl.visits if outcome(v.answer) == REDIRECT}
    missing = [
        rule.endpoint
        for rule in get_rules(url_app)
        if rule.endpoint not in EXCLUDED
        and rule.endpoint not in reached
        and not (rule.endpoint in REDIRECT_ONLY and rule.endpoint in redirected)
    ]
    assert not missing, (
        f"GET routes no identity got a page of on the live server: {sorted(set(missing))} — "
        "give the layer real data for them, or add them to EXCLUDED with the reason"
    )
    stale = sorted(set(EXCLUDED) - {rule.endpoint for rule in get_rules(url_app)})
    assert not stale, f"EXCLUDED names routes the app no longer has: {stale}"


def test_status_codes_per_identity(crawl, live_world, live_server):
    """Each identity gets what the authorization matrix says, and no answer is a 5xx."""
    wrong = []
    for visit in crawl.visits:
        got = outcome(visit.answer)
        if visit.endpoint == "<no route>":
            wrong.append(f"{_where(visit)}: a link to no route, got {got}")
            continue
        try:
            allowed = expected(visit.identity, visit.endpoint, visit.school_id, live_world)
        except KeyError:
            wrong.append(f"{_where(visit)}: no decision in EXPECTED (tests/test_authz_matrix.py)")
            continue
        if got not in allowed:
            wrong.append(f"{_where(visit)}: expected {sorted(allowed)}, got {got}")
    assert not wrong, (
        f"{len(wrong)} of {len(crawl.visits)} answers are wrong:\n  "
        + "\n  ".join(wrong[:40])
        + f"\n--- gunicorn's errors:\n{live_server.errors()}"
    )


def test_every_page_and_download_parses(crawl, live_world):
    """Every 200 has the content type its URL promises and a body that parses as such."""
    problems = [
        f"{_where(v)}: {problem}"
        for v in crawl.visits
        if v.answer.status == 200 and (problem := body_problem(v, live_world))
    ]
    assert not problems, "\n  ".join([f"{len(problems)} bodies are wrong:", *problems[:40]])
    types = {expected_type(v.url) for v in crawl.visits if v.answer.status == 200}
    assert set(CHECKS) - types <= {"text/javascript"}, f"never got {set(CHECKS) - types}"


def test_links_on_the_pages_were_followed(url_app, crawl, live_world):
    """The crawled pages were seen by every identity that may see them, and every link and
    download on them was requested by that identity (so checked by the tests above)."""
    pages = {
        (i, v.endpoint) for v in crawl.visits for i in [v.identity] if (i, v.url) in crawl.links
    }
    for identity in ("member", "admin", "other_school"):
        assert {e for i, e in pages if i == identity} == CRAWLED, identity
    editor_only = {e for e in CRAWLED if EXPECTED[(e, "GET")].director == FORBIDDEN}
    assert {e for i, e in pages if i == "director"} == CRAWLED - editor_only
    requested = {(v.identity, v.url) for v in crawl.visits}
    adapter = url_app.url_map.bind("127.0.0.1")
    views = {(v.identity, _view(adapter, v.url)) for v in crawl.visits}
    unrequested = [
        f"{identity}: {target} (on {page})"
        for (identity, page), targets in crawl.links.items()
        for target in targets
        if (identity, target) not in requested and (identity, _view(adapter, target)) not in views
    ]
    assert not unrequested, unrequested[:20]
    results = f"/campaigns/{live_world.demo_campaign}/results"
    on_results = set(crawl.links[("member", results)])
    downloads = {f"/campaigns/{live_world.demo_campaign}/export/{name}" for name in
                 ("tables.xlsx", "responses.xlsx")}  # fmt: skip
    downloads |= {
        f"/campaigns/{live_world.demo_campaign}/export/responses.csv?role={role}" for role in ROLES
    }
    assert downloads <= on_results, sorted(downloads - on_results)
    assert any(v.found_on for v in crawl.visits), "no link led anywhere new"


def test_responses_csv_of_every_role(browsers, live_world):
    """The streamed CSV export answers 200 with every stored response, for each role, on the
    real server (it was a 500, DetachedInstanceError, after the view's session was gone)."""
    campaign = live_world.demo_campaign
    for identity in ("member", "admin"):
        for role in ROLES:
            answer = browsers[identity].get(
                f"/campaigns/{campaign}/export/responses.csv?role={role}"
            )
            assert answer.status == 200, (identity, role, answer.status, answer.body[:200])
            rows = list(csv.reader(io.StringIO(answer.text().lstrip("\ufeff"))))
            assert len(rows) - 1 == live_world.responses[(campaign, role)] > 0, (identity, role)
    director = browsers["director"].get(f"/campaigns/{campaign}/export/responses.csv?role=teachers")
    assert director.status == 403


def test_logout_ends_the_session(live_server, live_world):
    """Logging out through the page's form (CSRF on) sends the next staff page to /login, on
    this browser and on every other one the account is logged in on (the session version;
    docs/deployment.md, "Sessions and accounts"). The account is one the crawl does not use, so
    the crawl's own sessions stay alive."""
    here, elsewhere = Browser(live_server.base), Browser(live_server.base)
    for browser in (here, elsewhere):
        assert browser.login(LOGOUT_EMAIL, PASSWORD).status in (302, 303)
        assert browser.get("/campaigns/").status == 200
    token = here.csrf_token("/campaigns/")
    assert outcome(here.post("/logout", {"csrf_token": token})) == LOGIN
    assert outcome(here.get("/campaigns/")) == LOGIN
    assert outcome(elsewhere.get("/campaigns/")) == LOGIN


def test_a_server_that_cannot_start_fails_with_its_output(tmp_path):
    """gunicorn exiting at start-up ends the wait at once, with gunicorn's own error."""
    server = GunicornServer(
        f"sqlite:///{tmp_path / 'none.db'}", tmp_path / "out.log", "app:no_such_factory()"
    )
    server.launch()
    with pytest.raises(ServerFailed, match="no_such_factory"):
        server.wait()
    assert server.process is not None and server.process.poll() is not None
