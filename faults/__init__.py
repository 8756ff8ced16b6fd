"""The fault matrix: the whole pipeline under process (later broker) faults, checked from outside.

``python -m faults.run --case NAME`` (``make faults``) runs cases and prints one table;
``tests/integration/test_fault_matrix.py`` runs short versions of them. A case is a fault
injector and the condition that says the pipeline recovered (``faults/cases.py``); the
checker (``faults/checker.py``) trusts no counter of the pipeline.
"""

from __future__ import annotations

import sys
from pathlib import Path

# The deployment helpers in deploy/ are scripts, imported as top-level modules
# (pytest puts deploy/ on its pythonpath; the runner needs the same).
_DEPLOY = str(Path(__file__).resolve().parent.parent / "deploy")
if _DEPLOY not in sys.path:
    sys.path.append(_DEPLOY)
