"""Stand-ins and drivers for exercising the service from outside, shared by ``tests/`` and
``bench/`` and shipped in the wheel with them (an installed ``bench`` needs them; ``tests/`` is
not installed).

* :mod:`devkit.groq_server`: a Groq-protocol chat-completions server on loopback
  (``python -m devkit.groq_server``), the LLM the Groq path is tested and measured against.
* :mod:`devkit.candidate`: the simulated candidate (answers like a person would).
* :mod:`devkit.graph_driver`: drives the interview graph turn by turn, as the API does.
* :mod:`devkit.threaded_server`: the real API under uvicorn in a background thread.
* :mod:`devkit.processes`: free ports, the environment a child server gets, and children that
  do not outlive their parent.

Nothing in ``graph/`` or ``api/`` imports this package (an import contract in ``pyproject.toml``
keeps it so); it imports them. It stays light on purpose: ``python -m devkit.groq_server``
starts without loading LangGraph.
"""
