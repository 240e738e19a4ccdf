"""What a card says when the log has no prompt: the student's cloze, the automatic cloze of the
correct answer, the generic prompt as the last resort (srs.card_text).

The golden table is written for this test (not Qbank text): answers at the start, middle and
end of a sentence, with articles, plurals, accents and abbreviations, and answers the
objective does not hold."""

from __future__ import annotations

import unicodedata
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from srs import card_text
from srs.card_text import GAP, Kind, Piece, auto_pieces, back_text, card, cloze_pieces, front_text, unmarked
from srs.model import Question

GOLDEN = [  # (objective, correct answer, front of the automatic cloze or None)
    # answer at the start
    ("Glucagon treats beta-blocker overdose by raising cAMP without β receptors.", "Glucagon", "[...] treats beta-blocker overdose by raising cAMP without β receptors."),
    ("Sarcoidosis shows noncaseating granulomas and bilateral hilar lymphadenopathy.", "Sarcoidosis", "[...] shows noncaseating granulomas and bilateral hilar lymphadenopathy."),
    ("Serum tryptase is released by mast cells together with histamine.", "Serum tryptase level", "[...] is released by mast cells together with histamine."),
    ("Thiamine (B1) deficiency causes Wernicke encephalopathy in alcohol use disorder.", "Thiamine", "[...] (B1) deficiency causes Wernicke encephalopathy in alcohol use disorder."),
    ("Omalizumab binds free IgE and lowers FcεRI expression on mast cells.", "omalizumab", "[...] binds free IgE and lowers FcεRI expression on mast cells."),
    # in the middle
    ("Beta-blocker overdose is treated with glucagon, which raises cAMP in cardiac cells.", "Glucagon", "Beta-blocker overdose is treated with [...], which raises cAMP in cardiac cells."),
    ("Methotrexate toxicity is rescued by leucovorin (folinic acid) given within a day.", "Leucovorin", "Methotrexate toxicity is rescued by [...] (folinic acid) given within a day."),
    ("Proteus makes urease, which forms struvite stones in alkaline urine.", "Struvite", "Proteus makes urease, which forms [...] stones in alkaline urine."),
    ("HIV binds CD4 and the CCR5 co-receptor early in infection.", "CCR5", "HIV binds CD4 and the [...] co-receptor early in infection."),
    ("Warfarin is monitored with the PT/INR because factor VII has the shortest half-life.", "PT/INR", "Warfarin is monitored with the [...] because factor VII has the shortest half-life."),
    # at the end
    ("A tall young patient with aortic dissection should make you think of Marfan syndrome.", "Marfan syndrome", "A tall young patient with aortic dissection should make you think of [...]."),
    ("Relapse of vivax malaria from hypnozoites is prevented with primaquine.", "Primaquine", "Relapse of vivax malaria from hypnozoites is prevented with [...]."),
    ("The drug of choice for absence seizures is ethosuximide", "Ethosuximide", "The drug of choice for absence seizures is [...]"),
    ("Foot drop after a fibular neck fracture means injury to the common fibular nerve.", "Common fibular nerve", "Foot drop after a fibular neck fracture means injury to the [...]."),
    # articles in the answer
    ("Aspirated material in an upright patient goes to the right lower lobe.", "The right lower lobe", "Aspirated material in an upright patient goes to the [...]."),
    ("Hyperacute rejection is caused by a preformed antibody against donor antigens.", "A preformed antibody", "Hyperacute rejection is caused by a [...] against donor antigens."),
    # plurals either way
    ("Schistocytes on the smear point to microangiopathic hemolysis.", "Schistocyte", "[...] on the smear point to microangiopathic hemolysis."),
    ("A bite cell forms when splenic macrophages remove Heinz bodies.", "Bite cells", "A [...] forms when splenic macrophages remove Heinz bodies."),
    ("Warm autoimmune hemolysis is caused by IgG antibodies against red cells.", "IgG antibody", "Warm autoimmune hemolysis is caused by [...] against red cells."),
    ("Neonatal lupus comes from maternal anti-Ro antibodies crossing the placenta.", "Anti-Ro antibody", "Neonatal lupus comes from maternal [...] crossing the placenta."),
    # accents and case
    ("Ménière disease gives episodic vertigo, tinnitus and low-frequency hearing loss.", "Meniere disease", "[...] gives episodic vertigo, tinnitus and low-frequency hearing loss."),
    ("Guillain-Barré syndrome follows Campylobacter infection with ascending weakness.", "Guillain-Barre syndrome", "[...] follows Campylobacter infection with ascending weakness."),
    ("Parkinson disease shows Lewy bodies made of α-synuclein in the substantia nigra.", "α-synuclein", "Parkinson disease shows Lewy bodies made of [...] in the substantia nigra."),
    ("Café-au-lait spots and neurofibromas point to neurofibromatosis type 1.", "cafe-au-lait spots", "[...] and neurofibromas point to neurofibromatosis type 1."),
    ("In anaphylaxis GIVE EPINEPHRINE first, before antihistamines.", "Epinephrine", "In anaphylaxis GIVE [...] first, before antihistamines."),
    # abbreviations
    ("Intramuscular epinephrine in the anterolateral thigh is first-line for anaphylaxis.", "IM epinephrine", "[...] in the anterolateral thigh is first-line for anaphylaxis."),
    ("IM epinephrine in the thigh is first-line for anaphylaxis; steroids are adjuncts.", "IM epinephrine", "[...] in the thigh is first-line for anaphylaxis; steroids are adjuncts."),
    ("Status epilepticus that persists after benzodiazepines is treated with intravenous fosphenytoin.", "IV fosphenytoin", "Status epilepticus that persists after benzodiazepines is treated with [...]."),
    ("Severe C. difficile colitis is treated with oral vancomycin or fidaxomicin.", "PO vancomycin", "Severe C. difficile colitis is treated with [...] or fidaxomicin."),
    # a clear part of the answer
    ("Mitochondrial diseases pass only from the mother to all of her children.", "Mitochondrial inheritance", "[...] diseases pass only from the mother to all of her children."),
    ("Hypercalcemia in sarcoidosis comes from 1α-hydroxylase in granulomas.", "Increased 1α-hydroxylase activity", "Hypercalcemia in sarcoidosis comes from [...] in granulomas."),
    ("Reed-Sternberg cells are CD15+ and CD30+ cells of B-cell origin.", "CD15 and CD30", "Reed-Sternberg cells are [...]+ cells of B-cell origin."),
    ("Loop diuretics cause hypokalemia and metabolic alkalosis.", "Hypokalemia (low K)", "Loop diuretics cause [...] and metabolic alkalosis."),
    # every occurrence
    ("Inulin clearance equals GFR because inulin is filtered but never reabsorbed.", "Inulin", "[...] clearance equals GFR because [...] is filtered but never reabsorbed."),
    # absent: the generic prompt remains
    ("PSGN appears weeks after group A strep pharyngitis with low C3.", "Poststreptococcal glomerulonephritis", None),
    ("Thiazides, ACE inhibitors and NSAIDs raise lithium levels.", "Hydrochlorothiazide", None),
    ("Anaphylaxis is confirmed by a raised mast-cell enzyme within hours.", "Serum tryptase", None),
    ("", "Glucagon", None),
    ("Glucagon raises cAMP in heart cells.", "", None),
    # whole words only
    ("Hypertension is the main risk factor for aortic dissection.", "Tension", None),
    ("A cardiac tamponade gives pulsus paradoxus and Beck triad.", "Card", None),
    # never tiny
    ("T3 is the active thyroid hormone made from T4 by deiodinase.", "T3", None),
    ("Hypokalemia flattens T waves and gives U waves on the ECG.", "U", None),
    # never the whole objective, nor nearly all of it
    ("Glucagon.", "Glucagon", None),
    ("Bruton agammaglobulinemia", "Bruton agammaglobulinemia", None),
    ("Primary biliary cholangitis: yes.", "Primary biliary cholangitis", None),
]


def question(**fields: str) -> Question:
    base = {name: "" for name in ("subject", "subject_text", "system", "system_text", "topic", "category", "prompt",
                                  "objective", "explanation", "my_answer", "correct_answer", "reason", "reason_kind")}  # fmt: skip
    base.update(subject="Pharmacology", topic="Beta-blockers")
    base.update(fields)
    return Question(id=1, source="uworld", qid="1001", created_at=datetime(2026, 11, 1, tzinfo=UTC), **base)


def shown(pieces: tuple[Piece, ...] | None) -> str | None:
    return None if pieces is None else "".join(GAP if p.hidden else p.text for p in pieces)


def test_the_golden_table_is_big_enough():
    assert len(GOLDEN) >= 40
    assert sum(1 for *_, want in GOLDEN if want is None) >= 10  # and holds answers it must not hide


@pytest.mark.parametrize(("objective", "answer", "front"), GOLDEN, ids=[f"{a or '-'}|{o[:30]}" for o, a, _ in GOLDEN])
def test_automatic_cloze_golden(objective, answer, front):
    pieces = auto_pieces(objective, answer)
    assert shown(pieces) == front
    if pieces is not None:
        assert "".join(p.text for p in pieces) == objective  # the back is the sentence as written


@pytest.mark.parametrize(("objective", "answer", "front"), [g for g in GOLDEN if g[2]][:12])
def test_a_question_without_prompt_becomes_an_automatic_cloze(objective, answer, front):
    made = card(question(objective=objective, correct_answer=answer))
    assert made.kind is Kind.AUTO and made.kind.recalls
    assert front_text(made) == front
    assert back_text(made) == objective == card_text.answer(question(objective=objective, correct_answer=answer))


def test_the_hidden_text_keeps_the_students_spelling():
    pieces = auto_pieces("Ménière disease gives vertigo, tinnitus and hearing loss.", "MENIERE DISEASE")
    assert pieces is not None and [p.text for p in pieces if p.hidden] == ["Ménière disease"]


# The student's own markup
##########################################################################


def test_explicit_cloze_with_a_hint():
    text = "Beta-blocker overdose is treated with {{c1::glucagon::drug}}, which raises {{c1::cAMP}}."
    made = card(question(objective=text, correct_answer="Atropine"))  # the markup wins over the answer
    assert made.kind is Kind.CLOZE
    assert front_text(made) == "Beta-blocker overdose is treated with [drug], which raises [...]."
    assert back_text(made) == "Beta-blocker overdose is treated with glucagon, which raises cAMP."
    assert made.hidden == ["glucagon", "cAMP"]
    assert card_text.answer(question(objective=text)) == back_text(made)  # the back never shows markup


def test_several_numbers_are_hidden_together_on_the_one_card():
    made = card(question(objective="{{c1::Glucagon}} raises {{c2::cAMP}} without {{c3::β receptors}}."))
    assert front_text(made) == "[...] raises [...] without [...]."


def test_the_cloze_column_wins_over_the_objective():
    made = card(question(objective="Glucagon raises cAMP.", cloze="{{c1::Glucagon}} raises cAMP in the heart."))
    assert made.kind is Kind.CLOZE and front_text(made) == "[...] raises cAMP in the heart."


@pytest.mark.parametrize("text", ["No markup here", "{{c1::}} empty", "{{c1:: }} blank", "{c1::glucagon}", "{{glucagon}}"])
def test_what_is_not_a_cloze(text):
    assert cloze_pieces(text) is None
    assert unmarked(text) == text


# Priority and the wrong choice
##########################################################################


def test_priority_own_prompt_then_cloze_then_automatic_then_generic():
    marked = "Overdose is treated with {{c1::glucagon}} by raising cAMP."
    plain = "Overdose is treated with glucagon by raising cAMP."
    assert card(question(prompt="What treats it?", objective=marked, correct_answer="Glucagon")).kind is Kind.PROMPT
    assert card(question(objective=marked, correct_answer="Glucagon")).kind is Kind.CLOZE
    assert card(question(objective=plain, correct_answer="Glucagon")).kind is Kind.AUTO
    generic = card(question(objective=plain, correct_answer="Atropine"))
    assert generic.kind is Kind.GENERIC and not generic.kind.recalls
    assert front_text(generic) == "Beta-blockers: what is the learning point you missed (UWorld #1001)?"
    assert card_text.prompt(question(prompt="What treats it?", objective=marked)) == "What treats it?"


def test_the_wrong_choice_shows_only_when_asked():
    asked = question(objective="Overdose is treated with glucagon by raising cAMP.", correct_answer="Glucagon",
                     my_answer="Atropine")  # fmt: skip
    assert front_text(card(asked)) == "Overdose is treated with [...] by raising cAMP."
    assert front_text(card(asked, show_wrong_choice=True)) == "Overdose is treated with [...] by raising cAMP. (not Atropine)"
    same = replace(asked, my_answer="glucagon ")
    assert card(same, show_wrong_choice=True).not_choice == ""
    own = replace(asked, prompt="What treats it?")
    assert front_text(card(own, show_wrong_choice=True)) == "What treats it?"  # only a cloze front names it


def test_why_the_choice_was_wrong_is_on_the_back_in_the_students_words():
    asked = question(objective="Glucagon raises cAMP.", correct_answer="Glucagon", my_answer="Atropine",
                     why_wrong="atropine only helps the bradycardia, not the contractility")  # fmt: skip
    details = dict(card_text.answer_details(asked, 1))
    assert details["Why not Atropine"] == "atropine only helps the bradycardia, not the contractility"
    assert "Why not Glucagon" not in dict(card_text.answer_details(replace(asked, my_answer="Glucagon"), 1))


# Properties
##########################################################################

words = st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "P", "Zs")), min_size=0, max_size=40)


@settings(max_examples=300, deadline=None)
@given(before=words, phrase=words, after=words, noise=words)
def test_automatic_cloze_properties(before, phrase, after, noise):
    """Never a front equal to the back, never the whole objective hidden, nothing outside the
    hidden phrases changed, nothing tiny hidden."""
    objective = f"{before} {phrase} {after}"
    for answer in (phrase, noise, f"the {phrase}"):
        pieces = auto_pieces(objective, answer)
        if pieces is None:
            continue
        assert "".join(p.text for p in pieces) == objective
        hidden = [p for p in pieces if p.hidden]
        visible = "".join(p.text for p in pieces if not p.hidden)
        assert hidden and visible.strip()
        assert shown(pieces) != objective
        assert all(sum(c.isalnum() for c in p.text) >= 3 for p in hidden)
        assert all(p.text == p.text.strip() or not p.text[0].isspace() for p in hidden)
        made = card(question(objective=objective, correct_answer=answer))
        assert front_text(made) != back_text(made) == objective


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(words, st.booleans()), min_size=1, max_size=6))
def test_explicit_cloze_round_trips(parts):
    """Marked text reads back as written, markup taken out; the front hides exactly the marked parts."""
    parts = [(t.replace("{", "").replace("}", "").replace(":", ""), h) for t, h in parts]
    text = "".join(f"{{{{c1::{t}}}}}" if h else t for t, h in parts)
    pieces = cloze_pieces(text)
    if not any(h and t.strip() for t, h in parts):
        assert pieces is None
        return
    assert pieces is not None
    assert unmarked(text) == "".join(t if (not h or t.strip()) else f"{{{{c1::{t}}}}}" for t, h in parts)
    assert [p.text for p in pieces if p.hidden] == [t for t, h in parts if h and t.strip()]


def test_folding_is_case_and_accent_blind():
    text, index = card_text.folded("Ménière ǅ")
    assert text == "meniere dz" and len(index) == len(text)
    assert unicodedata.normalize("NFC", "Ménière")[index[1]] == "é"
