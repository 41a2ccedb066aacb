"""``python -m bench``: the whole-interview benchmark (see :mod:`bench.cli`)."""

from bench.cli import main

raise SystemExit(main())
