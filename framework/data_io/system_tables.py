"""Everything a system is, beyond its framework and measurements, carried whole by a complete Excel return: one list
names each system table the return carries, with its sheet, how its rows are matched when a return updates a
system that already exists, and the columns left out because they are secrets.

A new system table is one entry in SYSTEM_TABLES. Entries are in the order rows are written: a table comes after
the tables its link columns point into.

On a sheet, a table's surrogate number (for example `round_id`) is only the row's reference within the file: the
database that imports the return gives the row its own number and translates the links to it. Timestamps and lists
are written as text, so they come back to the microsecond and element; dates and numbers are written as what they
are.

Never carried (docs/data.md, docs/security.md): individual review answers and respondents, released comments (each
is tied to a respondent), invite codes and personal codes, priority ballots and scores (each is tied to a voter's
pseudonym), and the salts behind them, which the importing database draws afresh."""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from framework.core.db import read_df, read_rows


@dataclass(frozen=True)
class SystemTable:
    """One system table a complete return carries."""

    table: str
    sheet: str
    key: tuple[str, ...]  # what identifies a row within its system, links translated: how an update matches rows
    about: str  # what the sheet holds, for the Cover
    number: str | None = None  # the surrogate number the importing database draws afresh
    links: dict[str, str] = field(default_factory=dict)  # column -> the table whose number it holds
    # column -> (the column saying which table, {its value: the table whose number the column holds})
    kind_links: dict[str, tuple[str, dict[str, str]]] = field(default_factory=dict)
    scope: str | None = None  # for a table without system_code: the link column that ties it to a system
    fresh: dict[str, str] = field(default_factory=dict)  # secret column -> SQL drawing a new value on import
    source: str | None = None  # the view the return reads the rows from, when not the table itself
    replaces: str | None = None  # for rows derived from others: the link column whose rows the file's replace


SYSTEM_TABLES: list[SystemTable] = [
    SystemTable("starter_question", "Starter questions", ("question_key",),
                "the wording of each co-creation starter question, as this system asks it"),
    SystemTable("starter_answer", "Starter answers", ("question_key",),
                "the answer to each starter question"),
    SystemTable("review_statement", "Statements", ("statement_code",),
                "the statement library of the stakeholder reviews"),
    SystemTable("review_statement_principle", "Statement principles", ("statement_code", "principle_no"),
                "the principles each statement speaks to"),
    SystemTable("review_statement_outcome", "Statement outcomes", ("statement_code", "outcome_code"),
                "the outcomes each statement speaks to"),
    SystemTable("narrative", "Stories behind the curve", ("indicator_code", "period_label", "author_id", "created_at"),
                "the story behind each curve: what is happening, what we learn, what next", number="narrative_id"),
    SystemTable("measure_proposal", "Proposals", ("name", "proposed_by_id", "proposed_at"),
                "measures proposed by communities and partners, and the decision on each", number="proposal_id"),
    SystemTable("priority_round", "Priority rounds", ("title", "opens_on"),
                "the rounds in which groups rated how much each measure matters", number="round_id",
                fresh={"salt": "gen_random_uuid()::VARCHAR"}),
    SystemTable("priority_result", "Priority results", ("round_id", "indicator_code", "group_code"),
                "each closed round's published mean rating per measure and group (never the ballots)",
                links={"round_id": "priority_round"}, scope="round_id", source="v_priority_result"),
    SystemTable("framework_version", "Framework versions", ("label", "recorded_at"),
                "each agreed version of the framework, with its snapshot", number="version_id"),
    SystemTable("review_round", "Review rounds", ("title", "opens_on"),
                "the stakeholder review rounds (their results are on the Stakeholder review sheet)",
                number="round_id", fresh={"token_salt": "md5(gen_random_uuid()::VARCHAR)"}),
    SystemTable("review_round_statement", "Review round statements", ("round_id", "statement_code"),
                "the statements each review round asked", links={"round_id": "review_round"}, scope="round_id"),
    SystemTable("review_discussion", "Review discussions", ("round_id", "statement_code"),
                "the notes of each facilitated discussion", links={"round_id": "review_round"}, scope="round_id"),
    SystemTable("review_action", "Review actions", ("action_text", "created_at"),
                "the actions agreed after each review", number="action_id", links={"round_id": "review_round"}),
    SystemTable("review_indicator_feed", "Review indicator feeds", ("indicator_code",),
                "which review statement feeds each perception indicator"),
    SystemTable("gap_measure", "Gap measures", ("indicator_code", "breakdown"),
                "each inequality gap measured as a measure of its own, with its baseline and targets"),
    SystemTable("spc_rebase", "SPC rebases", ("indicator_code", "rebase_date"),
                "the dates from which a measure's SPC limits start again, with the reason"),
    SystemTable("spc_setting", "SPC settings", (),
                "how many points in a row make a shift or a trend on this system's SPC charts"),
    SystemTable("engagement_activity", "Activities", ("title", "start_date", "created_at"),
                "the engagement log, every column (the Engagement log sheet is the same in words)",
                number="activity_id", fresh={"batch_id": "NULL"}),
    SystemTable("you_said", "You said we did items", ("activity_id", "you_said", "created_at"),
                "\"you said, we did\", every column", number="item_id", links={"activity_id": "engagement_activity"}),
    SystemTable("insight_token", "Insight search words", ("doc_kind", "doc_id", "token"),
                "the words the insight library searches, as indexed from the engagement log",
                links={"activity_id": "engagement_activity"}, replaces="activity_id",
                kind_links={"doc_id": ("doc_kind", {"activity": "engagement_activity", "you_said": "you_said"})}),
]

BY_TABLE = {t.table: t for t in SYSTEM_TABLES}


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    required: bool  # NOT NULL without a default


def columns(con, spec: SystemTable) -> list[Column]:
    """The columns a sheet carries: the table's, less system_code and the secrets."""
    rows = read_rows(con, "SELECT column_name, data_type, is_nullable, column_default FROM duckdb_columns()"
                          " WHERE table_name = ? ORDER BY column_index", [spec.table])
    return [Column(r["column_name"], r["data_type"], not r["is_nullable"] and r["column_default"] is None)
            for r in rows if r["column_name"] != "system_code" and r["column_name"] not in spec.fresh]


def as_text(column: Column, expr: str | None = None) -> str:
    """SQL giving a column's value as exact text: the form compared, and written on a sheet for timestamps,
    lists and JSON."""
    expr = expr or f'"{column.name}"'
    kind = column.type.upper()
    if kind.startswith("TIMESTAMP"):
        return f"strftime({expr}, '%Y-%m-%d %H:%M:%S.%f')"
    if kind == "DATE":
        return f"strftime({expr}, '%Y-%m-%d')"
    if kind.endswith("[]"):
        return f"CAST(to_json({expr}) AS VARCHAR)"
    return f"CAST({expr} AS VARCHAR)"


def from_text(column: Column, expr: str, *, strict: bool = True) -> str:
    """SQL turning exact text back into the column's type (TRY_CAST, giving NULL on bad text, unless strict)."""
    cast = "CAST" if strict else "TRY_CAST"
    kind = column.type.upper()
    if kind.endswith("[]"):
        return f"{cast}({cast}({expr} AS JSON) AS {column.type})"
    if kind == "DATE":
        return f"{cast}({cast}({expr} AS TIMESTAMP) AS DATE)"
    return f"{cast}({expr} AS {column.type})"


def on_sheet(column: Column) -> str:
    """SQL for a column as written on its sheet: dates, numbers and yes/no as they are; the rest as exact text."""
    kind = column.type.upper()
    if kind.startswith("TIMESTAMP") or kind.endswith("[]") or kind == "JSON":
        return as_text(column)
    return f'"{column.name}"'


def link_parent(spec: SystemTable, column: str, row: dict) -> str | None:
    """The table whose number a link column of this row holds (None when the row names no known kind)."""
    if column in spec.links:
        return spec.links[column]
    kind_column, tables = spec.kind_links[column]
    return tables.get(row.get(kind_column))


def link_columns(spec: SystemTable) -> list[str]:
    return [*spec.links, *spec.kind_links]


def scope_sql(spec: SystemTable, alias: str = "") -> str:
    """The WHERE condition (one ? for the system code) that picks one system's rows of a table."""
    prefix = f"{alias}." if alias else ""
    if spec.scope is None:
        return f"{prefix}system_code = ?"
    parent = BY_TABLE[spec.links[spec.scope]]
    return f"{prefix}{spec.scope} IN (SELECT {parent.number} FROM {parent.table} WHERE system_code = ?)"


def order_sql(spec: SystemTable) -> str:
    return ", ".join(f'"{c}"' for c in ((spec.number,) if spec.number else spec.key)) or "ALL"


CELL_TEXT = 32_000  # Excel keeps at most 32,767 characters in a cell; longer text continues in "<column> (part 2)"...


def part_name(column: str, part: int) -> str:
    return column if part == 1 else f"{column} (part {part})"


def split_long_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Text longer than a cell holds (a framework version's snapshot) split over numbered columns beside it."""
    columns: dict[str, pd.Series] = {}
    for col in frame.columns:
        values = frame[col]
        texts = values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
        longest = max((len(v) for v in values if isinstance(v, str)), default=0) if texts else 0
        parts = -(-longest // CELL_TEXT)
        if parts <= 1:
            columns[col] = values
            continue
        for i in range(parts):
            columns[part_name(col, i + 1)] = pd.Series(
                [v[i * CELL_TEXT:(i + 1) * CELL_TEXT] or None if isinstance(v, str) else None for v in values],
                index=frame.index, dtype=object)
    return frame if len(columns) == len(frame.columns) else pd.DataFrame(columns)


def table_sheet(spec: SystemTable):
    """The sheet source (con, system_code) -> rows of one carried table, for the return."""

    def source(con, system_code: str) -> pd.DataFrame:
        cols = columns(con, spec)
        select = ", ".join(f'{on_sheet(c)} AS "{c.name}"' for c in cols)
        return split_long_text(read_df(con, f"SELECT {select} FROM {spec.source or spec.table}"
                                       f" WHERE {scope_sql(spec)} ORDER BY {order_sql(spec)}", [system_code]))

    source.__name__ = f"{spec.table}_sheet"
    return source


def carried_notes() -> dict[str, str]:
    """What each carried sheet holds, for the Cover."""
    return {spec.sheet: spec.about + "; carried whole so the return can move the system" for spec in SYSTEM_TABLES}
