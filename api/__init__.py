"""The HTTP API of the interviewer service (FastAPI)."""

# Importing the engine first switches LangGraph's strict msgpack on before LangGraph loads.
import graph  # noqa: F401
