"""The pipeline bench as a script: the same as ``python -m bench.pipeline ARGS``.

The bench itself is the package ``bench/pipeline/``; this file keeps the old command working.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.pipeline.cli import main

if __name__ == "__main__":
    sys.exit(main())
