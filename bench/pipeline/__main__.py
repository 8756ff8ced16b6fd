"""``python -m bench.pipeline``: run the pipeline bench."""

from __future__ import annotations

import sys

from bench.pipeline.cli import main

sys.exit(main())
