"""The engagement kit (`kam kit`): every document in ru and en, read back — the sections are
there, the Russian documents hold no English words and the English ones no Russian, the
weights come from the engagement's settings, and the roadmap is filled from a finished run."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from kamlib.cli import build_parser, main
from kamlib.engagement import copy_engagement
from kamlib.i18n import load_strings
from kamlib.kit.alignment import STATEMENTS, read_answers
from kamlib.kit.deck import slide_texts
from kamlib.kit.documents import kit_files, write_kit
from kamlib.kit.guides import GUIDES, guides_table
from kamlib.kit.roadmap import roadmap, roadmap_facts
from kamlib.resources import samples_dir

DEADLINE = date(2026, 12, 17)


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = False

    def handle_starttag(self, tag: str, attrs: object) -> None:
        self._skip = tag in ("style", "script")

    def handle_endtag(self, tag: str) -> None:
        self._skip = False

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_text(path: Path) -> str:
    p = _Text()
    p.feed(path.read_text("utf-8"))
    return " ".join(p.parts).replace("\u00a0", " ")


def xlsx_text(path: Path) -> str:
    wb = openpyxl.load_workbook(path, read_only=True)
    out = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
           for v in row if isinstance(v, str)]
    out += [ws.title for ws in wb.worksheets]
    wb.close()
    return " ".join(out)


def foreign_words(text: str, lang: str, client: str) -> list[str]:
    """Words of the other language: Latin words in a Russian text, Cyrillic in an English
    one. File names and paths (review/vip.xlsx, data_request.xlsx) and the client's name are
    not words of either."""
    text = text.replace(client, " ")
    words = [w for w in re.findall(r"[^\s,;:()«»\"“”!?]+", text)
             if not re.search(r"[/._]", w)]
    pattern = r"[A-Za-z]{2,}" if lang == "ru" else r"[А-Яа-яЁё]"
    return [w for w in words if re.search(pattern, w)]


@pytest.fixture(scope="module")
def kits(tmp_path_factory) -> dict[str, Path]:
    """demo_ru copied (no run yet) with its kit in both languages, and its settings' weights
    changed so the deck's figures are the settings', not the defaults."""
    root = copy_engagement(samples_dir() / "demo_ru", tmp_path_factory.mktemp("kit") / "ru")
    cfg = root / "engagement.yaml"
    text = cfg.read_text("utf-8").replace("    contribution: 30", "    contribution: 35") \
        .replace("    revenue: 20", "    revenue: 15")
    cfg.write_text(text, "utf-8")
    write_kit(root, "ru", deadline=DEADLINE, contact="Анна Петрова, +7 900 000-00-00")
    write_kit(root, "en", deadline=DEADLINE)
    return {"root": root, "kit": root / "kit"}


def test_every_file_in_both_languages(kits) -> None:
    names = {p.name for p in kits["kit"].iterdir()}
    for lang in ("ru", "en"):
        assert set(kit_files(lang)) - {f"letter_{lang}.pdf"} <= names
    assert not [p for p in kits["root"].iterdir() if p.name.startswith(".kit")]


@pytest.mark.parametrize("lang", ["ru", "en"])
def test_no_words_of_the_other_language(kits, lang) -> None:
    client = "ООО «Демо-Дистрибуция» (пример)"
    k = kits["kit"]
    texts = {f"letter_{lang}.html": html_text(k / f"letter_{lang}.html"),
             f"interview_guides_{lang}.html": html_text(k / f"interview_guides_{lang}.html"),
             f"roadmap_{lang}.html": html_text(k / f"roadmap_{lang}.html"),
             f"roadmap_{lang}.xlsx": xlsx_text(k / f"roadmap_{lang}.xlsx"),
             f"alignment_{lang}.xlsx": xlsx_text(k / f"alignment_{lang}.xlsx"),
             f"workshop_{lang}.pptx": " ".join(slide_texts(k / f"workshop_{lang}.pptx"))}
    for name, text in texts.items():
        assert len(text) > 500, name
        assert foreign_words(text, lang, client) == [], name
        # no placeholder left, no internal key shown
        assert not re.search(r"[{}]|\bkit(_\w+)?\.\w", text), name


def test_the_check_catches_a_foreign_word() -> None:
    assert foreign_words("Пришлите выгрузки из ERP до среды", "ru", "x") == ["ERP"]
    assert foreign_words("Send review/vip.xlsx by Friday", "en", "x") == []
    assert foreign_words("Send the data до среды", "en", "x") == ["до", "среды"]


def test_letter_sections(kits) -> None:
    ru = html_text(kits["kit"] / "letter_ru.html")
    for part in ("Запрос данных", "Что мы просим и зачем", "Справочник контрагентов",
                 "Срок", "17 декабря 2026", "Анна Петрова", "data_request.xlsx",
                 "Для встречи с руководством"):
        assert part in ru, part
    en = html_text(kits["kit"] / "letter_en.html")
    for part in ("Data request", "What we ask for and why", "Client catalogue", "Deadline",
                 "17 December 2026", "reply to the sender", "Why the audit needs it"):
        assert part in en, part
    pdf = kits["kit"] / "letter_ru.pdf"
    if pdf.exists():
        assert pdf.read_bytes()[:5] == b"%PDF-"


def test_guides_every_role_theme_and_question(kits) -> None:
    for lang in ("ru", "en"):
        st = load_strings(lang)
        text = html_text(kits["kit"] / f"interview_guides_{lang}.html")
        g = guides_table(lang)
        assert len(g) == sum(len(qs) for themes in GUIDES.values() for _, qs in themes) == 26
        assert g["role"].nunique() == 5
        for role in GUIDES:
            assert st.t(f"kit_docs.guides.role.{role}") in text
        for q, need in zip(g["question"], g["need"], strict=True):
            assert q in text and need in text


def test_deck_slides(kits) -> None:
    for lang, weight_label in (("ru", "Вклад в прибыль после затрат на обслуживание"),
                               ("en", "Contribution after cost to serve")):
        slides = slide_texts(kits["kit"] / f"workshop_{lang}.pptx")
        assert len(slides) == 8
        crit = slides[2].split("\n")
        i = crit.index(weight_label)
        assert crit[i + 1] == "35"          # the engagement's weight, not the default 30
        assert "15" in crit[crit.index(load_strings(lang).t(
            "kit_docs.deck.criterion.revenue")) + 1]
        st = load_strings(lang)
        assert st.t("kit_docs.deck.vip_title") in slides[3]
        assert st.t("kit_docs.deck.channels_title") in slides[4]
        for s in STATEMENTS[::3]:
            assert st.t(f"kit_alignment.statement.{s}") in slides[5]
        assert st.t("kit_alignment.practice.kpis") in slides[6]


def test_questionnaire_in_the_kit_reads_back_waiting(kits) -> None:
    for lang in ("ru", "en"):
        assert read_answers(kits["kit"] / f"alignment_{lang}.xlsx").status == "waiting"


def test_generic_roadmap_before_the_audit(kits) -> None:
    assert roadmap_facts(kits["root"]) == {}
    text = html_text(kits["kit"] / "roadmap_en.html")
    for part in ("Weeks 1–2", "Month 1", "Quarter 1", "Chief executive", "the method",
                 "regenerating the kit fills it"):
        assert part in text
    assert "the audit" not in text.replace("after the audit", "").replace(
        "Once the audit", "").replace("once the audit", "").replace("with the audit's", "")


def test_regenerating_one_language_keeps_the_other(kits) -> None:
    before = (kits["kit"] / "workshop_ru.pptx").read_bytes()
    write_kit(kits["root"], "en", deadline=DEADLINE)
    assert (kits["kit"] / "workshop_ru.pptx").read_bytes() == before
    assert (kits["kit"] / "letter_ru.html").exists()


def test_roadmap_filled_from_a_finished_run(demo_ru_run: Path, tmp_path: Path) -> None:
    root = tmp_path / "ru"
    shutil.copytree(demo_ru_run, root)
    s3 = json.loads((root / "work/03_key_client_profile/summary.json").read_text("utf-8"))
    s4 = json.loads((root / "work/04_kam_team_sizing/summary.json").read_text("utf-8"))
    facts = roadmap_facts(root)
    assert facts["key_count"] == s3["key_clients"] > 0
    assert len(facts["key_names"]) == s3["key_clients"]
    assert facts["kams"] == s4["kams"]
    assert facts["tiers"]["self_service"] == s4["tiers"]["by_tier"]["self_service"]["clients"]
    assert facts["deep_names"] == [d["name"] for d in s3.get("deep_plans") or []]
    plan = roadmap(facts, "ru")
    by = dict(zip(plan["code"], plan["action"], strict=True))
    assert f"(всего {s3['key_clients']}: " in by["decide_key"]
    assert facts["key_names"][0] in by["decide_key"]
    assert f"(всего {s4['kams']}, по распределению аудита)" in by["appoint"]
    n_self = s4["tiers"]["by_tier"]["self_service"]["clients"]
    assert f"{n_self:,}".replace(",", "\u00a0") in by["tiers"]
    assert set(plan.loc[plan["code"].isin(["decide_key", "appoint", "tiers", "saving"]),
                        "basis"]) == {"аудит"}
    if facts["deep_names"]:
        assert facts["deep_names"][0] in by["deep_plans"]
    write_kit(root, "ru", deadline=DEADLINE)
    text = html_text(root / "kit" / "roadmap_ru.html")
    assert "составленный по результатам аудита" in text and facts["key_names"][0] in text


def test_cli_kit(tmp_path: Path, capsys) -> None:
    root = copy_engagement(samples_dir() / "demo_ru", tmp_path / "ru")
    assert main(["kit", str(root), "--language", "en", "--deadline", "2026-12-17"]) == 0
    out = capsys.readouterr().out
    assert "workshop_en.pptx" in out and "review/alignment.xlsx" in out
    assert (root / "kit" / "roadmap_en.xlsx").exists()
    assert main(["kit", str(root), "--deadline", "17.12.2026"]) == 2
    assert "YYYY-MM-DD" in capsys.readouterr().err
    with pytest.raises(SystemExit) as e:
        main(["kit", str(root), "--language", "de"])
    assert e.value.code == 2
    assert "kit" in build_parser().format_help()
