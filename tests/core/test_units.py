"""The one unit lookup every service uses: a unit is named by its code or its display name,
whatever the case, accents or spacing; an unknown one is one line listing the valid codes."""

from __future__ import annotations

import pytest

from iticket.core.errors import NotFound
from iticket.core.services._common import unit_code

UNKNOWN = "Unit '{value}' does not exist (units: helpdesk, soporte, desarrollo, seguridad)."


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("soporte", "soporte"),
        ("SOPORTE", "soporte"),
        ("  Soporte  ", "soporte"),
        ("Soporte Técnico", "soporte"),
        ("soporte tecnico", "soporte"),
        ("SOPORTE   TÉCNICO", "soporte"),
        ("sóporte técnico", "soporte"),
        ("HelpDesk", "helpdesk"),
        ("seguridad", "seguridad"),
    ],
)
def test_code_or_display_name_ignoring_case_accents_and_spaces(db, value, code):
    with db.read() as session:
        assert unit_code(session, value) == code


@pytest.mark.parametrize("value", ["sporte", "soporte técnico 2", "help desk", "", "all"])
def test_unknown_unit_names_the_value_and_lists_the_codes_in_unit_order(db, value):
    with db.read() as session, pytest.raises(NotFound) as info:
        unit_code(session, value)
    assert str(info.value) == UNKNOWN.format(value=value)
    assert "\n" not in str(info.value)


def test_the_message_stays_one_line_whatever_the_value(db):
    with db.read() as session, pytest.raises(NotFound) as info:
        unit_code(session, "  otra\nunidad\t ")
    assert str(info.value).startswith("Unit 'otra unidad' does not exist (units: ")
