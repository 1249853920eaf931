"""The results, texts and level pages of a campaign (issue 5), through the Flask test client."""

from __future__ import annotations

import io
import re
from html import unescape

import pytest
from docx import Document

from app.extensions import db
from app.models import Campaign
from app.results.service import analyze_campaign
from tests import factories
from tests.seed_campaign import make_seed_campaign

NBSP = "\u00a0"


def _text(html: str) -> str:
    """The visible text of a page: tags dropped, entities decoded, spaces collapsed."""
    without_tags = re.sub(r"<[^>]+>", " ", html)
    spaced = re.sub(r"\s+", " ", unescape(without_tags).replace(NBSP, " "))
    return re.sub(r" ([,;:.)])", r"\1", spaced)


@pytest.fixture
def seed(school) -> Campaign:
    return make_seed_campaign(school)


@pytest.fixture
def small(school) -> Campaign:
    """The small questionnaires: 6 teachers all positive, 10 students, an open answer."""
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    factories.make_responses(
        campaign, "teachers", [({"understand": "full", "comment": "Секретна думка"}, 6)]
    )
    factories.make_responses(
        campaign,
        "students",
        [({"grade": "g5", "clear": "none", "sources": ["teacher", "site"]}, 6),
         ({"grade": "g6", "clear": "partly", "sources": ["site"]}, 4)],
    )  # fmt: skip
    return campaign


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    end = html.index("</section>", start)
    return html[start:end]


def test_results_show_three_roles_of_criteria_understanding(member_client, seed):
    response = member_client.get(f"/campaigns/{seed.id}/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    block = _text(html[html.index('id="c-criteria_understanding"') :].split("</article>")[0])
    assert "розуміння критеріїв оцінювання" in _text(html).lower()
    # Teachers 25/6 of 31, students 18/24/13/16 of 71, parents 23/29/11/17 of 80.
    assert "вчителі (31) 80,6 % 19,4 % 0,0 % 0,0 % 100,0 %" in block
    assert "учні (71) 25,4 % 33,8 % 18,3 % 22,5 % 59,2 %" in block
    assert "батьки (80) 28,8 % 36,3 % 13,8 % 21,3 % 65,0 %" in block
    assert "Ключова розбіжність" in block
    assert "різниця 40,8 в. п." in block


def test_key_gap_first_in_summary_sorted_by_size(member_client, seed):
    html = member_client.get(f"/campaigns/{seed.id}/results").get_data(as_text=True)
    summary = _section(html, "gaps")
    assert "Де погляди розходяться найбільше" in summary
    items = re.findall(r"<li[^>]*>(.*?)</li>", summary, re.S)
    texts = [_text(item) for item in items]
    assert "Ключова розбіжність" in texts[0]
    assert 'href="#c-criteria_understanding"' in items[0]
    assert "Розуміння критеріїв оцінювання:" in texts[0]
    assert "вчителі 100,0 %, учні 59,2 %; різниця 40,8 в. п." in texts[0]
    assert "p < 0,001: різниця статистично значуща" in texts[0]
    differences = [
        float(m.replace(",", ".")) for m in re.findall(r"різниця ([\d,]+) в", "".join(texts))
    ]
    key_count = sum("Ключова розбіжність" in t for t in texts)
    analysis = analyze_campaign(seed)
    expected_keys = sum(
        sum(o.key for o in g.option_gaps) if g.kind == "multiple" else g.key for g in analysis.gaps
    )
    assert key_count == expected_keys == 4  # 2 × criteria_understanding, fairness, 1 option
    assert differences[:key_count] == sorted(differences[:key_count], reverse=True)
    assert any("може бути випадковою" in t for t in texts[key_count:])
    # The summary comes before every construct on the page.
    assert html.index('id="gaps"') < html.index('class="construct')


def test_small_grade_hidden_with_reason(member_client, seed):
    html = member_client.get(f"/campaigns/{seed.id}/results/groups").get_data(as_text=True)
    block = html[html.index('id="c-criteria_understanding"') :].split("</article>")[0]
    rows = {
        _text(m.group(1)).strip(): _text(m.group(2))
        for m in re.finditer(
            r'<tr class="suppressed"><th scope="row">(.*?)</th>(.*?)</tr>', block, re.S
        )
    }
    assert "приховано: менше ніж 5 респондентів" in rows["8 клас"]
    assert "приховано, щоб малу групу не можна було обчислити з підсумку" in rows["5 клас"]
    assert "%" not in rows["8 клас"]
    assert "не показано, щоб відповіді не можна було пов'язати" in _text(block)
    # Shown grades print their numbers: grade 6 has 24 respondents, 62,5 % positive.
    assert re.search(r"6 клас</th>\s*<td>24</td>", block)


def test_multiple_choice_bars_per_option_and_role(member_client, seed):
    html = member_client.get(f"/campaigns/{seed.id}/results").get_data(as_text=True)
    block = _text(html[html.index('id="c-results_factors"') :].split("</article>")[0])
    assert "Можна було обрати кілька варіантів" in block
    assert "Ключова розбіжність учні — батьки: 16,3 в. п." in block


@pytest.mark.parametrize("role", ["member", "admin"])
def test_working_group_reads_open_answers(client, school, small, role):
    user = factories.make_user(
        f"{role}@x.ua", role=role, school=school if role != "admin" else None
    )
    factories.login(client, user.email)
    html = client.get(f"/campaigns/{small.id}/results").get_data(as_text=True)
    assert "Секретна думка" in html
    assert 'id="open"' in html
    assert "export/responses.xlsx" in html


def test_director_reads_open_answers_but_downloads_no_responses(director_client, small):
    response = director_client.get(f"/campaigns/{small.id}/results")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    open_section = _text(_section(html, "open"))
    assert open_section.count("Секретна думка") == 6
    assert "Тексти показано так, як їх написали респонденти" in open_section
    assert 'href="#open-teachers-comment"' in html
    assert "export/responses" not in html
    assert "dashboard/level" not in html and 'action="/campaigns/' not in html
    assert "export/tables.xlsx" in html


def test_director_cannot_post_override(director_client, small):
    response = director_client.post(
        f"/campaigns/{small.id}/level",
        data={"level_override": "high", "level_justification": "Бо ми так вирішили давно."},
    )
    assert response.status_code == 403
    db.session.refresh(small)
    assert small.level_override is None


def test_member_sets_and_clears_override(member_client, small):
    url = f"/campaigns/{small.id}/level"
    justification = "Спостереження уроків показали більше, ніж анкети."
    response = member_client.post(
        url, data={"level_override": "high", "level_justification": justification}
    )
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/campaigns/{small.id}/results#level")
    db.session.refresh(small)
    assert (small.level_override, small.level_justification) == ("high", justification)
    html = member_client.get(f"/campaigns/{small.id}/results").get_data(as_text=True)
    assert "рівень робочої групи: високий" in _text(html)
    response = member_client.post(url, data={"level_override": "", "level_justification": ""})
    assert response.status_code == 303
    db.session.refresh(small)
    assert small.level_override is None


def test_override_without_justification_keeps_input(member_client, small):
    response = member_client.post(
        f"/campaigns/{small.id}/level",
        data={"level_override": "low", "level_justification": "мало"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Обґрунтуйте зміну рівня (щонайменше 10 символів)." in html
    assert '<option selected value="low">' in html
    assert "мало</textarea>" in html
    db.session.refresh(small)
    assert small.level_override is None


@pytest.mark.parametrize(
    "path",
    ["results", "texts", "export/tables.xlsx", "export/responses.xlsx",
     "export/responses.csv?role=teachers"],
)  # fmt: skip
def test_member_of_another_school_gets_404(client, small, path):
    other = factories.make_school("school-b", "Ліцей №2")
    user = factories.make_user("member@b.ua", role="member", school=other)
    factories.login(client, user.email)
    assert client.get(f"/campaigns/{small.id}/{path}").status_code == 404
    assert client.post(f"/campaigns/{small.id}/texts", data={"period": "x"}).status_code == 404
    assert (
        client.post(f"/campaigns/{small.id}/level", data={"level_override": ""}).status_code == 404
    )


def test_pages_need_login(client, small):
    response = client.get(f"/campaigns/{small.id}/results")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_unknown_campaign_404(member_client):
    assert member_client.get("/campaigns/999999/results").status_code == 404


def test_dynamics_marks_change_since_previous_campaign(member_client, school):
    make_seed_campaign(school, year="2023-2024", respondents={"teachers": 10, "students": 20,
                                                              "parents": 20})  # fmt: skip
    current = make_seed_campaign(school)
    html = member_client.get(f"/campaigns/{current.id}/results").get_data(as_text=True)
    assert "порівняно з 2023-2024" in _text(html)
    assert re.search(r'class="change (up|down|same)"', html)


def test_empty_campaign_renders(member_client, school):
    direction = factories.make_direction()
    campaign = factories.make_campaign(school, direction, factories.small_questionnaires(direction))
    response = member_client.get(f"/campaigns/{campaign.id}/results")
    assert response.status_code == 200
    assert "Де погляди розходяться найбільше" in response.get_data(as_text=True)


# Texts ------------------------------------------------------------------------------------


TEXTS = {
    "period": "лютому – квітні 2025 р.",
    "order_number": "15",
    "order_date": "03.02.2025",
    "working_group": "Іваненко О. П., заступник директора\nПетренко І. В., вчитель",
    "introduction": "Самооцінювання проводили з урахуванням воєнного стану.",
    "topic_criteria_understanding": "Учні плутають критерії з вимогами до зошитів.",
    "shortcomings": "Критерії не оприлюднено на сайті\nУчні не знають критеріїв",
    "improvements": "Оновити сторінку закладу",
    "recommendations": "Провести семінар\n- для вчителів 5–6 класів\n- для класних керівників",
    "level_override": "",
    "level_justification": "",
    "closing": "Довідку обговорено на педраді.",
    "signed_by": "Голова робочої групи — О. П. Іваненко",
}


def _docx_text(data: bytes) -> str:
    document = Document(io.BytesIO(data))
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


def test_texts_saved_appear_in_docx(member_client, seed):
    url = f"/campaigns/{seed.id}/texts"
    page = member_client.get(url)
    assert page.status_code == 200
    assert "Розуміння критеріїв оцінювання" in page.get_data(as_text=True)
    response = member_client.post(url, data=TEXTS)
    assert response.status_code == 303
    db.session.refresh(seed)
    stored = seed.report_texts
    assert stored["working_group"] == [
        "Іваненко О. П., заступник директора",
        "Петренко І. В., вчитель",
    ]
    assert stored["recommendations"][0] == {
        "title": "Провести семінар", "items": ["для вчителів 5–6 класів", "для класних керівників"]
    }  # fmt: skip
    again = member_client.get(url).get_data(as_text=True)
    assert "Учні плутають критерії з вимогами до зошитів." in again
    assert "Провести семінар\n- для вчителів 5–6 класів" in unescape(again)
    report = member_client.get(f"/campaigns/{seed.id}/report.docx")
    assert report.status_code == 200
    text = _docx_text(report.data).lower()
    for expected in ("Самооцінювання проводили з урахуванням воєнного стану.",
                     "Учні плутають критерії з вимогами до зошитів.",
                     "Критерії не оприлюднено на сайті", "Оновити сторінку закладу",
                     "Провести семінар", "для класних керівників",
                     "Довідку обговорено на педраді."):  # fmt: skip
        assert expected.lower() in text, expected


def test_texts_level_override_with_justification(member_client, small):
    data = {**TEXTS, "level_override": "sufficient",
            "level_justification": "Анкети не враховують спостережень уроків."}  # fmt: skip
    data.pop("topic_criteria_understanding")
    response = member_client.post(f"/campaigns/{small.id}/texts", data=data)
    assert response.status_code == 303
    db.session.refresh(small)
    assert small.level_override == "sufficient"
    assert small.level_justification == "Анкети не враховують спостережень уроків."


def test_texts_error_keeps_everything_typed(member_client, small):
    data = {**TEXTS, "level_override": "low", "level_justification": "коротко"}
    data.pop("topic_criteria_understanding")
    data["topic_criteria"] = "Примітка до теми, що не має загубитися"
    response = member_client.post(f"/campaigns/{small.id}/texts", data=data)
    assert response.status_code == 400
    html = unescape(response.get_data(as_text=True))
    assert "Обґрунтуйте зміну рівня" in html
    for value in ("Самооцінювання проводили з урахуванням воєнного стану.",
                  "Примітка до теми, що не має загубитися", "коротко",
                  "Провести семінар\n- для вчителів 5–6 класів",
                  "лютому – квітні 2025 р."):  # fmt: skip
        assert value in html, value
    assert '<option selected value="low">' in html
    db.session.refresh(small)
    assert small.report_texts in ({}, None)
    assert small.level_override is None


def test_texts_too_long_field_keeps_input(member_client, small):
    data = {**TEXTS, "closing": "я" * 20_001}
    response = member_client.post(f"/campaigns/{small.id}/texts", data=data)
    assert response.status_code == 400
    assert "я" * 20_001 in response.get_data(as_text=True)


def test_director_reads_texts_but_cannot_post(director_client, small):
    small.report_texts = {"introduction": "Вступ робочої групи"}
    db.session.commit()
    page = director_client.get(f"/campaigns/{small.id}/texts")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Вступ робочої групи" in html
    assert "readonly" in html and 'name="submit"' not in html
    response = director_client.post(f"/campaigns/{small.id}/texts", data=TEXTS)
    assert response.status_code == 403
    db.session.refresh(small)
    assert small.report_texts == {"introduction": "Вступ робочої групи"}


def test_texts_page_links_the_docx(member_client, small):
    html = member_client.get(f"/campaigns/{small.id}/texts").get_data(as_text=True)
    assert f'href="/campaigns/{small.id}/report.docx"' in html
    assert "Завантажити довідку (.docx)" in html
