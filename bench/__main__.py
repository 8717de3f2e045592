"""`python -m bench [--quick]`: run every benchmark step, print the table, write bench/RESULTS.md."""
import sys

from bench.runner import main

sys.exit(main())
