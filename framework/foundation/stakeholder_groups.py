"""Stakeholder groups: the shared vocabulary of who rates measures and who answers reviews."""
from __future__ import annotations

import pandas as pd

from framework.core.db import read_df

ACTIVE_GROUPS_SQL = "SELECT group_code, name, description FROM stakeholder_group WHERE active ORDER BY sort_order"


def stakeholder_groups(con) -> pd.DataFrame:
    """The active stakeholder groups in order."""
    return read_df(con, ACTIVE_GROUPS_SQL)
