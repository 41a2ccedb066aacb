"""The interview engine: a LangGraph state machine that runs one job interview per thread.

Strict msgpack must be switched on before LangGraph is first imported: the checkpoint
serializer reads the variable once at import time, and a checkpoint file is a place where an
attacker-controlled payload could otherwise name any class to rebuild. The LangGraph API server
(`langgraph dev`, Studio) imports LangGraph before this package, so `langgraph.json` sets the
variable in the server's environment as well.
"""

import os

os.environ["LANGGRAPH_STRICT_MSGPACK"] = "true"
