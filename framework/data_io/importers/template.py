"""The import template: the columns of the Excel return's Measurements sheet, which the app's CSV shares."""
from __future__ import annotations

TEMPLATE_COLUMNS = [
    "system_code", "indicator_code", "area_code", "area_name", "area_type", "period_label", "period_start",
    "period_end", "breakdown", "breakdown_group", "value", "lower_ci", "upper_ci", "count", "denominator",
    "value_note", "lower_ci_998", "upper_ci_998", "comparison",
]
REQUIRED_COLUMNS = ["indicator_code", "area_code", "period_label", "value"]
NUMERIC_COLUMNS = ["value", "lower_ci", "upper_ci", "count", "denominator", "lower_ci_998", "upper_ci_998"]
COLUMN_HELP = {
    "system_code": "the system's code; blank means the system chosen for the import",
    "indicator_code": "an indicator code of the system, for example I08",
    "area_code": "an ONS area code such as E54000008, or a code in the workbook's Areas sheet",
    "area_name": "the area's name (for reading only)",
    "area_type": "the area's type (for reading only)",
    "period_label": "a period such as 2013/14, 2021, 2022 Q1, Apr 2022 or Apr 2022 - Mar 2023",
    "period_start": "the first day of the period (optional when the label says it)",
    "period_end": "the last day of the period (optional when the label says it)",
    "breakdown": "what the figures are broken down by, for example Sex or Deprivation; All for the headline",
    "breakdown_group": "the group within the breakdown, for example Female; All for the headline",
    "value": "the value, a number; blank only with a value note",
    "lower_ci": "the lower 95% confidence limit",
    "upper_ci": "the upper 95% confidence limit",
    "count": "the count (numerator)",
    "denominator": "the denominator",
    "value_note": "a note that travels with the value, for example why it is blank",
    "lower_ci_998": "the lower 99.8% confidence limit",
    "upper_ci_998": "the upper 99.8% confidence limit",
    "comparison": "the comparison with a benchmark, for example Better or Worse",
}
