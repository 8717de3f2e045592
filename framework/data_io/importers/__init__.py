"""Imports that never half-load: the app's template (.xlsx or CSV) and Fingertips data exports are detected,
read fast (DuckDB's CSV reader, python-calamine for workbooks), checked in full before anything is written,
and written all or nothing as audited batches that an editor can undo. Only regular files within the import limits
are read (framework.core.files), and an import does only what the importer could do by hand (roles.py)."""
from framework.data_io.importers.batches import get_batch, later_batches, list_batches, undo_batch, undo_blocker
from framework.data_io.importers.core import (
    apply_plan,
    check_file,
    check_files,
    default_system,
    import_files,
    rejects_path,
    write_rejects,
)
from framework.data_io.importers.periods import parse_date, parse_period
from framework.data_io.importers.report import MAX_LISTED, BatchSummary, FileCheck, ImportPlan, ImportRejected, Problem
from framework.data_io.importers.template import REQUIRED_COLUMNS, TEMPLATE_COLUMNS

__all__ = [
    "MAX_LISTED", "REQUIRED_COLUMNS", "TEMPLATE_COLUMNS", "BatchSummary", "FileCheck", "ImportPlan",
    "ImportRejected", "Problem", "apply_plan", "check_file", "check_files", "default_system", "get_batch",
    "import_files", "later_batches", "list_batches", "parse_date", "parse_period", "rejects_path", "undo_batch",
    "undo_blocker", "write_rejects",
]
