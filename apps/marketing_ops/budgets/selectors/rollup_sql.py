"""The budget page's roll-up done by PostgreSQL: a quarter's sums, who is off track, and a page in any order.

`report.budget_report` rolls a quarter up in Python on SQLite, whose SQL arithmetic on decimals is floating point.
PostgreSQL's `numeric` is exact, so there the database sums the channels, counts who is off track and orders the
campaigns, and only the few dozen campaigns shown come back as rows: the page's work and memory stay the same at
any number of campaigns.

The status below is `BudgetFigures._status` in SQL, the projection compared by cross-multiplying rather than by
dividing (the same answer: `tests/marketing_ops/budgets/test_budget_rollup.py` holds the two paths to the same
report). Severity is the status as the page sorts it: 0 over, 1 at risk, 2 on track.
"""

import datetime as dt
from collections import namedtuple

from django.db import connection

from apps.marketing_ops.budgets.models import BudgetEnvelope, Campaign, CampaignSpendTotals
from apps.marketing_ops.budgets.selectors.figures import FINISHED_STATUSES

# "No plan" spends without one: it sorts as the fullest of all (`report._NO_PLAN_USED`).
NO_PLAN_USED = 10**9

_FIGURES = f"""
WITH campaign AS (
    SELECT c.id, c.status, c.planned_amount, c.start_date, c.end_date,
           c.warn_at_percent, c.over_at_percent, c.projected_over_percent, c.name, c.channel,
           COALESCE(t.committed, 0) AS committed, COALESCE(t.actual, 0) AS actual,
           COALESCE(t.committed, 0) + COALESCE(t.actual, 0) AS spoken_for,
           %(today)s BETWEEN c.start_date AND c.end_date AS running,
           %(today)s - c.start_date + 1 AS elapsed,
           c.end_date - c.start_date + 1 AS days
      FROM {Campaign._meta.db_table} c
      LEFT JOIN {CampaignSpendTotals._meta.db_table} t ON t.campaign_id = c.id
     WHERE c.fiscal_quarter = %(quarter)s
), figures AS (
    SELECT campaign.*,
           CASE WHEN running THEN GREATEST(spoken_for, actual * days / elapsed) ELSE spoken_for END AS projected,
           CASE WHEN planned_amount = 0 THEN {NO_PLAN_USED} ELSE spoken_for * 100 / planned_amount END AS used,
           CASE
               WHEN status = ANY(%(finished)s) THEN CASE WHEN spoken_for > planned_amount THEN 0 ELSE 2 END
               WHEN planned_amount = 0 AND spoken_for > 0 THEN 0
               WHEN planned_amount <> 0 AND spoken_for * 100 >= planned_amount * over_at_percent THEN 0
               WHEN planned_amount <> 0 AND spoken_for * 100 >= planned_amount * warn_at_percent THEN 1
               WHEN spoken_for * 100 > planned_amount * (100 + projected_over_percent)
                 OR running AND actual * days * 100 > planned_amount * (100 + projected_over_percent) * elapsed
               THEN 1
               ELSE 2
           END AS severity
      FROM campaign
)
"""

# What `figures._figures` reads of a campaign, in the order of the SELECT below.
Row = namedtuple(
    "Row",
    "id status planned_amount start_date end_date warn_at_percent over_at_percent projected_over_percent "
    "name channel committed actual",
)
_COLUMNS = ", ".join(Row._fields)

# Lower-cased, in code-point order whatever the database's collation: Python's `casefold` order, except for the
# few letters whose case folding is not their lower case (ß).
_NAME = 'lower(name) COLLATE "C"'
# Each of `report.SORTS` as SQL terms, ascending; descending turns every term round, as a reversed sort would.
ORDERS: dict[str, list[tuple[str, bool]]] = {
    "name": [(_NAME, True), ("id", True)],
    "channel": [('channel COLLATE "C"', True), (_NAME, True), ("id", True)],
    "planned": [("planned_amount", True), ("id", True)],
    "committed": [("committed", True), ("id", True)],
    "actual": [("actual", True), ("id", True)],
    "available": [("planned_amount - spoken_for", True), ("id", True)],
    "used": [("used", True), ("id", True)],
    "projected": [("projected", True), ("id", True)],
    "status": [("severity", True), ("used", False), ("id", True)],
    "ends": [("end_date", True), ("id", True)],
}
# The campaign chart's order: the largest plans, then the most spoken for.
LARGEST = [("planned_amount", False), ("spoken_for", False), ("id", True)]


def data_version(quarter: str) -> str:
    """A name for the state of every row the quarter's roll-up reads: its campaigns, their spend totals and the
    quarter's envelopes. One query, a scan of the quarter's rows without their figures (a fraction of the roll-up).

    Each row version is named by its id, `xmin` (the transaction that wrote it) and `ctid` (where it lies): any
    insert, update or delete, whoever makes it (a service, the admin, an `UPDATE … SET x = x + 1`, psql), writes
    a new version or removes one, and so changes the name; a version cannot come back. `ctid` tells apart two
    versions one transaction wrote (same `xmin`), so a write and a read within one transaction are seen too.
    """
    sql = f"""
        SELECT md5(COALESCE(string_agg(
                   c.id || ':' || c.xmin || c.ctid || ':' || COALESCE(t.xmin || t.ctid::text, '-'), ',' ORDER BY c.id
               ), ''))
               || md5(COALESCE((SELECT string_agg(e.id || ':' || e.xmin || e.ctid::text, ',' ORDER BY e.id)
                                  FROM {BudgetEnvelope._meta.db_table} e WHERE e.quarter = %(quarter)s), ''))
          FROM {Campaign._meta.db_table} c
          LEFT JOIN {CampaignSpendTotals._meta.db_table} t ON t.campaign_id = c.id
         WHERE c.fiscal_quarter = %(quarter)s"""
    with connection.cursor() as cursor:
        cursor.execute(sql, {"quarter": quarter})
        return cursor.fetchone()[0]


def _params(quarter: str, today: dt.date, **more) -> dict:
    finished = sorted(str(status) for status in FINISHED_STATUSES)
    return {"quarter": quarter, "today": today, "finished": finished, **more}


def channel_sums(quarter: str, today: dt.date) -> list[tuple]:
    """(channel, envelopes, campaigns, off track, planned, committed, actual, projected) per channel that has
    campaigns or envelopes in the quarter: one query."""
    sql = f"""{_FIGURES}, campaigns AS (
            SELECT channel, COUNT(*) AS campaigns, COUNT(*) FILTER (WHERE severity < 2) AS off_track,
                   SUM(planned_amount) AS planned, SUM(committed) AS committed, SUM(actual) AS actual,
                   SUM(projected) AS projected
              FROM figures GROUP BY channel
        ), envelopes AS (
            SELECT channel, SUM(amount) AS amount FROM {BudgetEnvelope._meta.db_table}
             WHERE quarter = %(quarter)s GROUP BY channel
        )
        SELECT channel, COALESCE(amount, 0), COALESCE(campaigns, 0), COALESCE(off_track, 0),
               COALESCE(planned, 0), COALESCE(committed, 0), COALESCE(actual, 0), COALESCE(projected, 0)
          FROM campaigns FULL JOIN envelopes USING (channel)"""
    with connection.cursor() as cursor:
        cursor.execute(sql, _params(quarter, today))
        return cursor.fetchall()


Order = list[tuple[str, bool]]


def _order_by(order: Order, descending: bool) -> str:
    return ", ".join(f"{term} {'ASC' if ascending != descending else 'DESC'}" for term, ascending in order)


def ordered_rows(quarter: str, today: dt.date, parts: list[tuple[Order, bool, bool, int, int]]) -> list[list[Row]]:
    """Rows of campaigns for each part, in one query: a part is (order, descending, only those off track, offset,
    limit), its order terms from `ORDERS` or `LARGEST`. The quarter's figures are worked out once for all parts."""
    selects, params = [], _params(quarter, today)
    for number, (order, descending, off_track, offset, limit) in enumerate(parts):
        terms = _order_by(order, descending)
        params[f"offset{number}"], params[f"limit{number}"] = offset, limit
        # Numbered as they come from their ORDER BY: a top-N sort of each part, not a window over the quarter.
        selects.append(
            f"""SELECT {number} AS part, ROW_NUMBER() OVER () AS position, * FROM (
                    SELECT {_COLUMNS} FROM figures {"WHERE severity < 2" if off_track else ""}
                     ORDER BY {terms} LIMIT %(limit{number})s OFFSET %(offset{number})s
                ) AS part{number}"""
        )
    sql = f"{_FIGURES} SELECT * FROM ({' UNION ALL '.join(selects)}) AS parts ORDER BY part, position"
    rows: list[list[Row]] = [[] for _ in parts]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for part, _position, *row in cursor.fetchall():
            rows[part].append(Row(*row))
    return rows
