"""Write the golden assessment JSON files that tests/test_golden_assessment.py compares with.

Run only when a change is *meant* to change an assessment's numbers, and say why in the
commit message::

    python tools/make_golden.py
"""

from __future__ import annotations

import gzip
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from golden import GOLDEN_DIR, golden_cases, normalised  # noqa: E402

for name, spec in golden_cases():
    from wetval.assess import assess

    document = normalised(json.loads(assess(spec).to_json()))
    path = GOLDEN_DIR / f"assessment-{name}.json.gz"
    text = json.dumps(document, indent=1, sort_keys=True, ensure_ascii=False)
    with gzip.GzipFile(path, "wb", mtime=0) as handle:
        handle.write(text.encode("utf-8"))
    print(f"wrote {path.relative_to(ROOT)}")
