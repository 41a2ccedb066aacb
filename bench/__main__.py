"""``python -m bench``: the whole-interview benchmark (see :mod:`bench.phases`)."""

from bench.phases import main

raise SystemExit(main())
