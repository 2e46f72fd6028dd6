"""Sweden's counties (län) with their official codes (SCB), the first two digits of
every municipality code in the county.
"""

from __future__ import annotations

from typing import NamedTuple


class County(NamedTuple):
    code: str
    name: str
    full_name: str


COUNTIES: tuple[County, ...] = (
    County("01", "Stockholm", "Stockholms län"),
    County("03", "Uppsala", "Uppsala län"),
    County("04", "Södermanland", "Södermanlands län"),
    County("05", "Östergötland", "Östergötlands län"),
    County("06", "Jönköping", "Jönköpings län"),
    County("07", "Kronoberg", "Kronobergs län"),
    County("08", "Kalmar", "Kalmar län"),
    County("09", "Gotland", "Gotlands län"),
    County("10", "Blekinge", "Blekinge län"),
    County("12", "Skåne", "Skåne län"),
    County("13", "Halland", "Hallands län"),
    County("14", "Västra Götaland", "Västra Götalands län"),
    County("17", "Värmland", "Värmlands län"),
    County("18", "Örebro", "Örebro län"),
    County("19", "Västmanland", "Västmanlands län"),
    County("20", "Dalarna", "Dalarnas län"),
    County("21", "Gävleborg", "Gävleborgs län"),
    County("22", "Västernorrland", "Västernorrlands län"),
    County("23", "Jämtland", "Jämtlands län"),
    County("24", "Västerbotten", "Västerbottens län"),
    County("25", "Norrbotten", "Norrbottens län"),
)

COUNTIES_BY_NAME: dict[str, County] = {county.name: county for county in COUNTIES}
