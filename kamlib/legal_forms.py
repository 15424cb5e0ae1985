"""The legal forms of companies: one list, for the intake's name key and step 1's names.

:data:`LEGAL_FORMS` maps each canonical form (``ООО``, ``АО``, ``ИП``, ``LLC``, ``GMBH``…) to
its spellings. Step 1 (:mod:`kamlib.cleanup.names`) finds any of them at the start or the end
of a client's name. The intake's exact-match name key (:func:`kamlib.intake.name_key`), which
only attaches transactions to the catalogue, drops the short form of the forms in
:data:`NAME_KEY_FORMS` wherever it stands in the name: a subset, so that a word such as
``limited`` or ``sa`` inside a name stays part of the name there.

>>> sorted(abbreviations(("ООО", "LLC")))
['llc', 'ооо']
"""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["LEGAL_FORMS", "NAME_KEY_FORMS", "abbreviations"]

#: Canonical legal form → its spellings (lower case, words separated by one space, after
#: punctuation removal). Russian long forms are also matched through their key, so a Latin
#: transliteration (``Obshchestvo s ogranichennoy otvetstvennostyu``) is found too.
LEGAL_FORMS: dict[str, tuple[str, ...]] = {
    "ООО": (
        "ооо",
        "ooo",
        "общество с ограниченной ответственностью",
        "общество с ограниченной отвественностью",
    ),
    "АО": ("ао", "ao", "акционерное общество"),
    "ПАО": ("пао", "pao", "публичное акционерное общество"),
    "ЗАО": ("зао", "zao", "закрытое акционерное общество"),
    "ОАО": ("оао", "oao", "открытое акционерное общество"),
    "НАО": ("нао", "nao", "непубличное акционерное общество"),
    "ИП": (
        "ип",
        "ip",
        "индивидуальный предприниматель",
        "пбоюл",
        "pboyul",
        "предприниматель без образования юридического лица",
    ),
    "ГУП": ("гуп", "gup", "государственное унитарное предприятие"),
    "ФГУП": ("фгуп", "fgup", "федеральное государственное унитарное предприятие"),
    "МУП": ("муп", "mup", "муниципальное унитарное предприятие"),
    "АНО": ("ано", "ano", "автономная некоммерческая организация"),
    "ТОО": ("тоо", "too", "товарищество с ограниченной ответственностью"),
    "ОДО": ("одо", "общество с дополнительной ответственностью"),
    "НКО": ("нко", "некоммерческая организация"),
    "КФХ": (
        "кфх",
        "глава кфх",
        "крестьянское фермерское хозяйство",
        "глава крестьянского фермерского хозяйства",
    ),
    "LLC": ("llc", "limited liability company"),
    "LTD": ("ltd", "limited", "co ltd", "co limited", "company limited", "pty ltd"),
    "GMBH": (
        "gmbh",
        "gesellschaft mit beschränkter haftung",
        "gesellschaft mit beschrankter haftung",
    ),
    "INC": ("inc", "incorporated"),
    "CORP": ("corp", "corporation"),
    "PLC": ("plc", "public limited company"),
    "JSC": ("jsc", "joint stock company"),
    "CJSC": ("cjsc", "closed joint stock company"),
    "OJSC": ("ojsc", "open joint stock company"),
    "PJSC": ("pjsc", "public joint stock company"),
    "AG": ("ag", "aktiengesellschaft"),
    "SA": ("sa", "s a", "societe anonyme", "société anonyme"),
    "BV": ("bv", "b v", "besloten vennootschap"),
    "NV": ("nv", "n v", "naamloze vennootschap"),
    "SRL": ("srl",),
    "SARL": ("sarl",),
    "SRO": ("sro",),
}

#: The forms the intake's name key drops (by their short form, the first spelling in
#: :data:`LEGAL_FORMS`): the key attachment has always used, kept as it is so that the
#: transactions attach to the same clients.
NAME_KEY_FORMS: tuple[str, ...] = (
    "ООО", "ОАО", "ЗАО", "ПАО", "НАО", "АО", "ИП", "ГУП", "МУП", "АНО", "ТОО",
    "LLC", "LTD", "GMBH", "INC", "PLC", "JSC", "OJSC", "CJSC",
)


def abbreviations(forms: Iterable[str]) -> frozenset[str]:
    """The short spelling (lower case) of each canonical legal form.

    Parameters
    ----------
    forms : iterable of str
        Canonical forms, keys of :data:`LEGAL_FORMS`.

    Returns
    -------
    frozenset of str
        The first spelling of each form (``'ооо'`` for ``'ООО'``, ``'ltd'`` for ``'LTD'``).

    Raises
    ------
    KeyError
        A form that is not in :data:`LEGAL_FORMS`.
    """
    return frozenset(LEGAL_FORMS[f][0] for f in forms)
