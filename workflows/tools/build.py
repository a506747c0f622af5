"""Write the process library's BPMN files from the declarations in library_*.py, then lay them out.

Usage: ``python workflows/tools/build.py [--only PROCESS_ID ...]``

Careful: this overwrites ``workflows/<process_id>.bpmn``. Once a process owner has edited a file
in the browser, that file is the source of truth; re-run ``layout.py`` on it instead.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dmn_builder  # noqa: E402
import layout  # noqa: E402
import library_audits  # noqa: E402
import library_cdop  # noqa: E402
import library_cycles  # noqa: E402
import library_intake  # noqa: E402
import library_loop  # noqa: E402
import library_reviews  # noqa: E402

WORKFLOWS = Path(__file__).resolve().parent.parent


def processes():
    """Every process in the library, in catalogue order."""
    return [
        *library_intake.processes(),
        *library_reviews.processes(),
        *library_audits.processes(),
        library_loop.learning_capture(), library_loop.learning_loop(),
        *library_cycles.processes(),
        *library_cdop.processes(),
    ]


def main(argv):
    only = set(argv[argv.index("--only") + 1:]) if "--only" in argv else None
    for p in processes():
        if only and p.pid not in only:
            continue
        tree = p.to_tree()
        layout.layout(tree.getroot())
        path = WORKFLOWS / f"{p.pid}.bpmn"
        layout.write(tree, path)
        print(f"wrote {path.relative_to(WORKFLOWS.parent)}")
    for tree in dmn_builder.tables():
        decision = tree.getroot()[0].get("id")
        if only and decision not in only:
            continue
        path = WORKFLOWS / f"{decision}.dmn"
        layout.write(tree, path)
        print(f"wrote {path.relative_to(WORKFLOWS.parent)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
