"""How people give their name, and what the interviewer learns from it: a table."""

from __future__ import annotations

import pytest

from graph.text import extract_name, first_name

WAYS_OF_GIVING_A_NAME: list[tuple[str, str]] = [
    ("It's Dr. Maria-Luisa van der Berg.", "Dr. Maria-Luisa van der Berg"),
    ("My name is ana lopez", "Ana Lopez"),
    ("I'm Ana and I build APIs", "Ana"),
    ("Bob", "Bob"),
    ("It is Maria José García here", "Maria José García"),
    ("sean o'brien", "Sean O'Brien"),
    ("Hi, Bob here.", "Bob"),
    ("Prof. Ada Lovelace", "Prof. Ada Lovelace"),
    ("mr. john smith", "Mr. John Smith"),
    ("name: Li Wei", "Li Wei"),
    ("李伟", "李伟"),
    ("I am Nguyễn Văn An", "Nguyễn Văn An"),
    ("ana maría de la cruz", "Ana María de la Cruz"),
    ("Call me Jean-Luc.", "Jean-Luc"),
    ("My name is Ahmed bin Rashid, nice to meet you", "Ahmed bin Rashid"),
    ("Ludwig van Beethoven", "Ludwig van Beethoven"),
    ("I'm Kim, thanks for having me", "Kim"),
    ("Thanks! I'm Priya Raghavan.", "Priya Raghavan"),
    ("This is Siobhán Ní Bhriain", "Siobhán Ní Bhriain"),
    ("You can call me DJ", "DJ"),
    ("Hello, I'm Ana-Sofia dos Santos and I'm excited", "Ana-Sofia dos Santos"),
    ("Ms. Chidinma Okafor-Eze", "Ms. Chidinma Okafor-Eze"),
    ("my full name is Karl-Heinz von Richthofen", "Karl-Heinz von Richthofen"),
    ("I’m Zoë", "Zoë"),
    ("Hey! Mateus dos Santos here", "Mateus dos Santos"),
    ("Everyone calls me Sam.", "Sam"),
    ("It's McDonald, Ronan McDonald.", "McDonald"),
    # Replies that are not a name give none, so the interviewer never greets "Dr." or "Happy".
    ("I'm excited to be here", ""),
    ("yes", ""),
    ("I'm a backend developer", ""),
    ("Hi!", ""),
    ("can I pass on this one?", ""),
    ("Pass", ""),
    ("it's me, Mario", ""),
    ("Dr.", ""),
    ("I'm happy to be here, thanks", ""),
]


def test_the_table_covers_at_least_twenty_five_ways() -> None:
    assert len([row for row in WAYS_OF_GIVING_A_NAME if row[1]]) >= 25


@pytest.mark.parametrize(("reply", "name"), WAYS_OF_GIVING_A_NAME)
def test_name_is_read_with_titles_and_compound_surnames(reply: str, name: str) -> None:
    assert extract_name(reply) == name


@pytest.mark.parametrize(
    ("name", "first"),
    [("Dr. Maria-Luisa van der Berg", "Maria-Luisa"), ("Ana Lopez", "Ana"), ("Bob", "Bob")],
)
def test_first_name_skips_the_title(name: str, first: str) -> None:
    assert first_name(name) == first
