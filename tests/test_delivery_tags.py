"""Hashtags and @mentions found in a clip's text (the sidecar lists them)."""

from __future__ import annotations

from clipforge.delivery import hashtags, mentions


def test_hashtags_in_order_without_duplicates() -> None:
    texts = ["#MachDichZumClip @creator", "mehr #Sommer, #sommer und #Grüße!", "#MachDichZumClip"]
    assert hashtags(texts) == ["#MachDichZumClip", "#Sommer", "#Grüße"]


def test_numbers_and_glued_signs_are_not_tags() -> None:
    assert hashtags(["we are #1", "C#sharp", "a##b", "#_x9"]) == ["#_x9"]


def test_mentions_are_handles_not_mail_addresses() -> None:
    texts = ["hi @anna.k. and @Bob_99", "write to team@example.com", "@anna.k again"]
    assert mentions(texts) == ["@anna.k", "@Bob_99"]


def test_tags_in_other_scripts_and_decomposed_accents() -> None:
    # "é" written as e + combining acute is one tag letter, not the end of the tag.
    assert hashtags(["#cafe\u0301 #привет #東京"]) == ["#café", "#привет", "#東京"]
