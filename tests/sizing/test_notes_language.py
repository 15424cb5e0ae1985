"""Step 4's notes, payback and break-even as reason codes, phrased in the engagement's
language (issue 21): the Russian text carries the run's figures, the English says what the
step's English text says."""

from __future__ import annotations

from kamlib.i18n import Formatter, load_strings, say
from kamlib.sizing import _cost_note, _economics_reasons
from kamlib.sizing.economics import break_even, payback

NB = "\u00a0"


def _say(r: dict, lang: str) -> str:
    return say(r, load_strings(lang), Formatter(lang, "RUB"))


def test_cost_note_from_the_team_table_in_both_languages() -> None:
    r = _cost_note({"code": "kam_cost_from_team_table", "args": {"people": 3}}, 3_548_000.0,
                   "RUB")
    assert r == {"code": "note_kam_cost_team_table",
                 "args": {"people": 3, "amount": {"amount": "3548000.00", "currency": "RUB"}}}
    assert _say(r, "en") == ("KAM market cost from the team table: median annual cost of the 3 "
                             f"people with a KAM role, RUB{NB}3.55m")
    assert _say(r, "ru") == ("рыночная стоимость KAM — по таблице команды: медиана годовой "
                             f"стоимости 3 сотрудников с ролью KAM, 3,55{NB}млн{NB}₽")
    one = _cost_note({"code": "kam_cost_from_team_table", "args": {"people": 1}}, 2e6, "RUB")
    assert "of the 1 person with" in _say(one, "en") and "1 сотрудника" in _say(one, "ru")
    settings = _cost_note({"code": "kam_cost_from_settings", "args": {}}, 2_400_000.0, "RUB")
    assert _say(settings, "ru") == f"рыночная стоимость KAM — 2,40{NB}млн{NB}₽ в год " \
                                   "(sizing.kam_annual_cost)"
    default = _cost_note({"code": "kam_cost_default", "args": {}}, 2_400_000.0, "RUB")
    assert _say(default, "en") == (f"no KAM cost given: RUB{NB}2.40m a year assumed "
                                   "(sizing.default_kam_cost)")


def test_the_years_and_the_teams_notes_in_russian() -> None:
    years = {"code": "note_years_averaged", "args": {"years": 2.0}}
    assert _say(years, "ru").startswith("выручка и вклад ключевых клиентов охватывают 2,0 года:")
    assert _say(years, "en").startswith("the key clients' revenue and contribution cover 2.0 "
                                        "years: break-even and payback")
    five = {"code": "note_years_averaged", "args": {"years": 5.0}}
    assert "охватывают 5,0 лет" in _say(five, "ru")
    head = {"code": "note_no_head_of_kam", "args": {"setting": "sizing.client_teams.head_of_kam"}}
    assert _say(head, "ru") == ("руководитель KAM не назначен: укажите кого-то из высшего "
                                "руководства в sizing.client_teams.head_of_kam")
    assert _say(head, "en") == ("no head of KAM: name one from top management in "
                                "sizing.client_teams.head_of_kam")
    points = {"code": "note_no_delivery_points", "args": {}}
    assert _say(points, "en") == ("no delivery points in the sales: the client teams' hours "
                                  "leave that driver out")
    assert "точек доставки" in _say(points, "ru")


def test_payback_and_break_even_reasons_carry_the_figures() -> None:
    """Team 3,000,000; key revenue 100,000,000, contribution 20,000,000 (m = 20%): revenue
    uplift 15,000,000 = 15%, contribution 15%. B = 3,000,000 ÷ 0.2 = 15,000,000; expected
    18,000,000 = 120% of B: worth adding."""
    pb = payback(3_000_000, 20_000_000, 100_000_000)
    be = break_even(3_000_000, margin_rate=0.2, expected_uplift=18_000_000,
                    subject="the recommended team")
    be_r, pb_r = _economics_reasons(be, pb, 3_000_000, "RUB")
    assert pb_r["code"] == "payback_needed" and be_r["code"] == "break_even_team_worth"
    assert be_r["args"]["break_even"] == {"amount": "15000000.00", "currency": "RUB"}
    assert abs(be_r["args"]["break_even_share"] - 1.2) < 1e-12
    assert _say(pb_r, "ru") == (
        f"Чтобы окупить 3,00{NB}млн{NB}₽ в год, ключевые клиенты должны увеличить выручку на "
        f"15,0{NB}млн{NB}₽ (15,0{NB}%) при марже 20,0{NB}%, то есть вклад — на 3,00{NB}млн{NB}₽ "
        f"(15,0{NB}%)")
    assert _say(pb_r, "en") == (
        f"To pay back RUB{NB}3.00m a year the key clients must grow revenue by RUB{NB}15.0m "
        "(15.0%) at a 20.0% margin, i.e. contribution by RUB\u00a03.00m (15.0%)")
    ru = _say(be_r, "ru")
    assert f"должна принести 15,0{NB}млн{NB}₽ дополнительных продаж" in ru
    assert f"ожидаемый прирост 18,0{NB}млн{NB}₽ — 120,0{NB}%" in ru and "команда окупается" in ru
    assert _say(be_r, "en").endswith(f"expected RUB{NB}18.0m is 120.0% of break-even: worth "
                                     "adding")
    # the step's own English text is unchanged
    assert be["text"].endswith("expected 18,000,000 is 1.20× break-even: worth adding")


def test_no_margin_and_not_worth_adding() -> None:
    be = break_even(3_000_000, margin_rate=0.2, expected_uplift=1_500_000)
    be_r, pb_r = _economics_reasons(be, {"note": "the key clients earn no margin"}, 3_000_000,
                                    "RUB")
    assert be_r["code"] == "break_even_team_not_worth" and pb_r["code"] == "no_margin"
    assert "лишь 10,0\u00a0%" in _say(be_r, "ru") and "не окупается" in _say(be_r, "ru")
    assert _economics_reasons({"note": "x"}, {"note": "x"}, 1.0, "RUB")[0]["code"] == "no_margin"
