"""``python -m bench``: the whole-interview benchmark (see :mod:`bench.run`)."""

from bench.run import main

raise SystemExit(main())
