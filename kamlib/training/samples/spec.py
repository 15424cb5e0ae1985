"""Profiles, lesson cases and the fixed parameters of a sample engagement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

Profile = Literal["ru_1c", "en_clean", "1c_report_form"]
#: profiles written by :mod:`kamlib.training.samples.forms` (report forms, not registers)
_FORM_PROFILES = ("1c_report_form",)



@dataclass(frozen=True)
class _Spec:
    """Fixed parameters of a profile."""

    profile: str
    n_clients: int
    n_lines: int
    start: date
    end: date
    avg_line: float          # average net revenue of a sales line (currency units)
    n_dup: float             # share of catalogue records that are duplicated entities
    n_branch: float          # share of catalogue records that are branch entities
    holding: bool
    noise: bool
    currency: str
    language: str
    client: str
    rates: dict[str, float]  # cost-to-serve rates written into engagement.yaml
    # the planted large clients; the defaults are the demo samples' (top-3 = 40%)
    top_shares: tuple[float, float, float] = (0.165, 0.130, 0.105)
    special_shares: tuple[tuple[str, float], ...] = (("key", 0.050), ("vip", 0.045))
    vip_lines_share: float = 0.03      # share of the sales lines that go to the VIP
    holding_shares: tuple[float, ...] = (0.011, 0.008, 0.006, 0.004, 0.003)
    team_size: tuple[int, int] = (10, 2)  # sales managers, key account managers
    lesson: str = ""                   # training lesson (see _LESSONS); "" for the demos


_SPECS: dict[str, _Spec] = {
    "ru_1c": _Spec("ru_1c", 3000, 195_000, date(2023, 1, 1), date(2025, 12, 31), 21_000.0,
                   0.04, 0.01, True, True, "RUB", "ru", "ООО «Демо-Дистрибуция» (пример)",
                   {"order": 1500, "line": 50, "delivery": 3000, "return": 2000,
                    "visit": 5000, "service_hour": 2500}),
    "en_clean": _Spec("en_clean", 300, 20_000, date(2024, 1, 1), date(2025, 12, 31), 3_000.0,
                      0.04, 0.0, False, False, "EUR", "en", "Demo Distribution B.V. (sample)",
                      {"order": 25, "line": 1, "delivery": 50, "return": 30, "visit": 90,
                       "service_hour": 60}),
}


@dataclass(frozen=True)
class _Lesson:
    """A training case: one planted finding on a small ``ru_1c`` engagement."""

    name: str
    title: str             # what the trainer calls it
    story: str             # the situation, told to the room
    finding: str           # what the audit must find (where, which figure)
    spec: dict[str, Any]   # overrides of the ``_TRAINING_BASE`` spec


# Small, clean 1C-style engagements: 400 clients, 2 years, ~8,700 sales lines (≈ 2 MB), no
# data-quality noise, no holding, no planted VIP or single-contact key client, top-3 ≈ 22%,
# three KAMs in the team (what step 4 recommends for them); each lesson adds one finding.
_TRAINING_BASE: dict[str, Any] = {
    "n_clients": 400, "n_lines": 8_500, "avg_line": 60_000.0,
    "start": date(2024, 1, 1), "end": date(2025, 12, 31),
    "noise": False, "holding": False, "special_shares": (),
    "top_shares": (0.090, 0.075, 0.060), "team_size": (9, 3),
}

_HOLDING_NAMES = [("ООО", "ТД Стройгарант", "Москва"),
                  ("АО", "Стройгарант-Урал", "Екатеринбург"),
                  ("ООО", "Стройгарант Сибирь", "Новосибирск"),
                  ("ООО", "Стройгарант-Логистик", "Москва"),
                  ("ЗАО", "Стройгарант-Юг", "Краснодар"),
                  ("ООО", "Стройгарант-Волга", "Самара"),
                  ("ООО", "Стройгарант-Казань", "Казань"),
                  ("АО", "Стройгарант Северо-Запад", "Санкт-Петербург")]

_LESSONS: dict[str, _Lesson] = {x.name: x for x in (
    _Lesson("vip", "The unprofitable VIP",
            "One of the three largest clients, a famous retail chain everyone is proud of, "
            "gets a 24% discount, orders small and often, wants many visits and service "
            "calls, returns goods and pays two months late.",
            "Step 2 lists it first among the large loss-makers with a negative contribution; "
            "step 3 does not make it key and says why (contribution is negative).",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: VIP)",
             "special_shares": (("vip", 0.085),), "top_shares": (0.095, 0.070, 0.060),
             "vip_lines_share": 0.06}),
    _Lesson("top3", "Three clients, 40% of turnover",
            "Three large clients carry the business; nobody has added up what losing one "
            "of them would mean.",
            "Step 2's concentration flag 'top 3 ≥ 40%' fires on the entity level (the "
            "largest client's branches and the second's duplicate records merged first).",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: топ-3)",
             "top_shares": (0.190, 0.155, 0.125)}),
    _Lesson("holding", "The holding split into small clients",
            "Eight small clients in seven regions, served by different sales managers: "
            "nobody sees that they are one group.",
            "Step 1 groups the eight legal entities (different INNs, linked by «Группа» or "
            "«Головной контрагент»); at group level (step 2, group P&L and concentration) "
            "the group is among the top-5 customers while none of its entities is in the "
            "top-20.",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: холдинг)", "holding": True,
             "holding_shares": (0.0056, 0.0054, 0.0052, 0.0050, 0.0048, 0.0046, 0.0044,
                                0.0042)}),
    _Lesson("single_contact", "The key account with one contact",
            "The second-largest client is a key account; the whole relationship runs through "
            "one buyer the KAM has known for years.",
            "Step 3 makes it key and lists it first among the single points of contact (one "
            "contact, no decision maker).",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: один контакт)",
             "special_shares": (("key", 0.080),), "top_shares": (0.090, 0.065, 0.055)}),
    _Lesson("overstaffed", "The over-staffed KAM team",
            "The distributor gave the title 'key account manager' to twelve people, each "
            "owning three of the largest clients; the accounts that deserve key account "
            "management are far fewer.",
            "Step 4 recommends far fewer KAMs than the twelve of the team table (about 3 for "
            "the ~19 key accounts, with the default settings) and says so: current_kams 12, "
            "staffing 'over', and a sentence in the recommendation.",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: команда KAM)",
             "team_size": (4, 12)}),
    _Lesson("capstone", "The capstone: several traps at once",
            "A distributor whose three largest clients carry about 40% of turnover, the "
            "largest recorded under its branches and the second under several spellings; a "
            "famous chain that gets a large discount, orders small and pays two months late; "
            "a key account that runs through one buyer; eight small clients that are one "
            "group; a few mid-sized clients that stopped paying half a year ago.",
            "Step 1 merges the branches and duplicates and groups the holding (eight legal "
            "entities, among the top-10 customers once grouped); step 2 flags top-3 ≥ 40% "
            "and lists the VIP among the large loss-makers (negative contribution) and the "
            "clients that stopped paying in the > 90 days bucket; step 3 does not make the "
            "VIP key and lists the key account with one contact among the single points of "
            "contact.",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: итоговый кейс)",
             "holding": True,
             "holding_shares": (0.0056, 0.0054, 0.0052, 0.0050, 0.0048, 0.0046, 0.0044,
                                0.0042),
             "special_shares": (("key", 0.070), ("vip", 0.075)),
             "top_shares": (0.165, 0.130, 0.105), "vip_lines_share": 0.05}),
    _Lesson("channels", "Channels before clients, and management's VIPs",
            "Management is proud of its HoReCa business: some sixty cafés and restaurants, a "
            "quarter of the turnover, and a famous restaurant chain the owner brought in. "
            "They order a few lines at a time, get discounts, send goods back and pay late. "
            "At the workshop management scored how well each channel values the company's "
            "offer and named its VIP clients.",
            "Step 2's channel P&L: HoReCa, the largest channel by revenue, has a "
            "negative contribution after cost-to-serve (verdict 'review', reason "
            "channel_loses_money). Step 3's VIP test on management's list "
            "(review/vip.xlsx): the restaurant chain the owner brought in loses money and is "
            "not key; of the four VIPs only the largest client is key.",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: каналы)",
             "special_shares": (("vip", 0.040),), "vip_lines_share": 0.03}),
    _Lesson("teams", "Client teams, the second front and KPIs 4 ± 1",
            "Three KAMs serve the key accounts on their own: nobody in top management leads "
            "the programme, and finance, logistics and service help 'when they have time'. "
            "The owner believes the organisation is ready; the KAMs do not. Today each "
            "salesperson's bonus is split evenly over five KPIs.",
            "Step 4: no head of KAM in the team table (client_teams.head_of_kam empty), the "
            "client teams need support FTE nobody in the team table gives (all of their cost "
            "is new cash) and the needed uplift grows with them; the workshop "
            "(review/alignment.xlsx) shows management scoring Strategy and Style far above "
            "the KAMs; today's bonus scheme (five KPIs at 20% each, none in focus) is refused "
            "by step 4's settings check (2–3 KPIs must be in focus).",
            {"client": "ООО «Учебный дистрибьютор» (тренинг: команды клиентов)"}),
)}

#: lessons that plant the demos' clients that stopped paying (step 2's cash ageing)
UNPAID_LESSONS = ("capstone",)
#: lessons whose holding members are linked in 1C («Группа», «Головной контрагент»)
HOLDING_LESSONS = ("holding", "capstone")
#: lessons that carry the management workshop's answers (``review/alignment.xlsx``, the
#: second front: :mod:`kamlib.kit.alignment_sample`)
ALIGNMENT_LESSONS = ("capstone", "teams")
#: lessons that carry management's VIP list (``review/vip.xlsx``) and its scores of the
#: channels' fit with the company's USP (``review/channels.xlsx``):
#: :mod:`kamlib.training.samples.workshop`
WORKSHOP_LESSONS = ("capstone", "channels")
#: the channel the channels lesson makes costly to serve (small orders, discounts, returns)
COSTLY_CHANNEL = "HoReCa"
#: how its clients buy: lines per document, discount, share of lines returned, days late
COSTLY_TERMS = {"lpd": 1.1, "disc": 0.22, "ret_rate": 0.08, "delay": 30.0}
#: lessons whose team table has nobody from top management (no head of KAM)
NO_HEAD_LESSONS = ("teams",)
