"""Candidate rights and the data lifecycle (issue 20; docs/RIGHTS.md).

* `invitations.py`: an invitation's lifetime (`expires_at`) and its rule;
* `notice.py`: the AI notice (`prompts/notice.md`) and its version;
* `accommodation.py`: a request for another process or an accommodation, and its states;
* `data.py`: the ONE table of data categories, which export and erasure both read;
* `retention.py`: erasing what is past retention, by one replica at a time;
* `routes.py`: the HTTP routes of all of it.
"""
