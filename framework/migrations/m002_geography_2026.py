"""Today's geography: the 36 ICBs in force since 1 April 2026 become the default, and the older vintages stay.

Each area gains the years it was in force and its vintage; `area_successor` links each abolished ICB to the ICB(s)
that took over its area; `area_overlap` records how many LSOAs of a local authority fall in each ICB (filled by the
`geography` command); and a system may link the former ICBs of its footprint with the role 'predecessor'. The 2022
sub-ICB locations are placed under today's ICBs where that is certain (see framework.foundation.geography)."""
from __future__ import annotations

from framework.foundation.geography import ICB26_FILE, apply_lookup, place_split_locations, read_lookup

VERSION = 2
DESCRIPTION = "Geography: ICB 2026 as today's footprints, vintages, successors of abolished ICBs"

TABLES = """
ALTER TABLE area ADD COLUMN in_force_from DATE;
ALTER TABLE area ADD COLUMN in_force_to DATE;
ALTER TABLE area ADD COLUMN vintage INTEGER;
UPDATE area SET in_force_from = DATE '2022-07-01', vintage = 2022 WHERE source = 'ONS LOC22-ICB22-NHSER22 lookup'
    AND area_type <> 'England';
CREATE TABLE area_successor (
    old_code    VARCHAR NOT NULL,
    new_code    VARCHAR NOT NULL,
    share       VARCHAR NOT NULL CHECK (share IN ('whole', 'part')),
    part_name   VARCHAR,
    changed_on  DATE NOT NULL,
    source      VARCHAR NOT NULL,
    PRIMARY KEY (old_code, new_code)
);
CREATE TABLE area_overlap (
    area_code   VARCHAR NOT NULL,
    icb_code    VARCHAR NOT NULL,
    lsoa_count  INTEGER NOT NULL,
    vintage     INTEGER NOT NULL,
    PRIMARY KEY (area_code, icb_code)
);
CREATE TABLE system_area_2026 (
    system_code  VARCHAR NOT NULL,
    area_code    VARCHAR NOT NULL,
    role         VARCHAR NOT NULL CHECK (role IN ('system', 'place', 'neighbourhood', 'comparator', 'predecessor')),
    PRIMARY KEY (system_code, area_code)
);
INSERT INTO system_area_2026 SELECT system_code, area_code, role FROM system_area;
DROP TABLE system_area;
ALTER TABLE system_area_2026 RENAME TO system_area
"""


def up(cur) -> None:
    for statement in TABLES.split(";"):
        if statement.strip():
            cur.execute(statement)
    apply_lookup(cur, read_lookup(ICB26_FILE), source="NHS ICB 2026 codes and predecessors")
    place_split_locations(cur)
