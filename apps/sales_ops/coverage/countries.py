"""ISO 3166-1 alpha-2 country codes, read from the IANA time zone database's own table (tzdata ships it)."""

from functools import cache
from importlib import resources
from pathlib import Path

_SYSTEM_TABLE = Path("/usr/share/zoneinfo/iso3166.tab")


@cache
def iso_country_codes() -> frozenset[str]:
    try:
        text = (resources.files("tzdata.zoneinfo") / "iso3166.tab").read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError):  # the package is optional where the system has the table
        text = _SYSTEM_TABLE.read_text(encoding="utf-8")
    return frozenset(line.split("\t", 1)[0] for line in text.splitlines() if line and not line.startswith("#"))
