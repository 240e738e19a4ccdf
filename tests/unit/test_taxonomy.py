"""Subjects and systems as students abbreviate them map onto the USMLE names, and those names
are the ones the exam weights use (srs/data/taxonomy.json, srs/data/exam_weights.json)."""

from __future__ import annotations

import json
import sqlite3
from importlib import resources
from pathlib import Path

import pytest

from srs.ingest import taxonomy
from srs.plan.weights import exam_weights


def data(name: str) -> dict:
    return json.loads(resources.files("srs").joinpath(f"data/{name}").read_text(encoding="utf-8"))


SYSTEMS = {
    "Gen Principles": "General Principles",
    "General Principles": "General Principles",
    "Gen Prin": "General Principles",
    "GP": "General Principles",
    "General": "General Principles",
    "Immune": "Immune System",
    "Immuno": "Immune System",
    "Allergy & Immunology": "Immune System",
    "Heme/Onc": "Blood & Lymphoreticular",
    "Heme-Onc": "Blood & Lymphoreticular",
    "Hem/Onc": "Blood & Lymphoreticular",
    "Hematology & Oncology": "Blood & Lymphoreticular",
    "Haematology": "Blood & Lymphoreticular",
    "Blood & Lymphoreticular": "Blood & Lymphoreticular",
    "Heme/Lymph": "Blood & Lymphoreticular",
    "Cardio": "Cardiovascular",
    "CVS": "Cardiovascular",
    "Pulm": "Respiratory",
    "Resp": "Respiratory",
    "Pulmonary & Critical Care": "Respiratory",
    "GI": "Gastrointestinal",
    "Gastrointestinal & Nutrition": "Gastrointestinal",
    "Renal/Urinary": "Renal/Urinary",
    "Renal, Urinary Systems & Electrolytes": "Renal/Urinary",
    "Neuro": "Nervous System & Special Senses",
    "Nervous System & Special Senses": "Nervous System & Special Senses",
    "Ophthalmology": "Nervous System & Special Senses",
    "Psych": "Behavioral Health",
    "Behavioral": "Behavioral Health",
    "Psychiatric/Behavioral & Substance Use Disorder": "Behavioral Health",
    "MSK": "Musculoskeletal/Skin",
    "Derm": "Musculoskeletal/Skin",
    "Skin & Subcutaneous": "Musculoskeletal/Skin",
    "Skin & Subcutaneous Tissue": "Musculoskeletal/Skin",
    "Rheumatology/Orthopedics & Sports": "Musculoskeletal/Skin",
    "Endo": "Endocrine",
    "Endocrine, Diabetes & Metabolism": "Endocrine",
    "Repro": "Reproductive",
    "OB/GYN": "Reproductive",
    "Female Reproductive System & Breast": "Reproductive",
    "Pregnancy, Childbirth & the Puerperium": "Reproductive",
    "Multisystem": "Multisystem",
    "Multisystem Processes & Disorders": "Multisystem",
    "Infectious Diseases": "Multisystem",
    "Poisoning & Environmental Exposure": "Multisystem",
    "Biostats": "Biostatistics & Epidemiology",
    "Epi": "Biostatistics & Epidemiology",
    "Biostatistics & Epidemiology/Population Health": "Biostatistics & Epidemiology",
    "Ethics": "Social Sciences",
    "Social Sciences (Ethics/Legal/Professional)": "Social Sciences",
    "Human Development": "Human Development",
}

SUBJECTS = {
    "Micro": "Microbiology",
    "Pharm": "Pharmacology",
    "Path": "Pathology",
    "Physio": "Physiology",
    "Biochem": "Biochemistry & Nutrition",
    "Genetics": "Genetics",
    "Anatomy": "Gross Anatomy & Embryology",
    "Embryo": "Gross Anatomy & Embryology",
    "Histo": "Histology & Cell Biology",
    "Cell Bio": "Histology & Cell Biology",
    "Immuno": "Immunology",
    "Immune": "Immunology",
    "Biostats": "Behavioral Sciences",
    "Epi": "Behavioral Sciences",
    "Ethics": "Behavioral Sciences",
    "Behavioral Science": "Behavioral Sciences",
}


@pytest.mark.parametrize(("written", "canonical"), SYSTEMS.items())
def test_a_system_as_students_write_it(written, canonical):
    assert taxonomy.load().system(written) == canonical
    assert taxonomy.load().system(written.upper()) == canonical


@pytest.mark.parametrize(("written", "canonical"), SUBJECTS.items())
def test_a_subject_as_students_write_it(written, canonical):
    assert taxonomy.load().subject(written) == canonical


def test_every_canonical_name_is_the_exam_weights_name():
    """Weights line up: each system and discipline the data maps to is weighed by the outline
    (General Principles, spread over the systems there, gets the average weight, as the note says)."""
    weights = exam_weights()
    names = taxonomy.load()
    assert set(names.systems.values()) - set(weights.systems) == {"General Principles"}
    assert "General Principles" in data("exam_weights.json")["note"]
    assert set(names.subjects.values()) == set(weights.disciplines)
    assert set(weights.systems) <= set(names.systems.values())  # nothing the outline weighs is unreachable


@pytest.mark.parametrize("table", ["subjects", "systems"])
def test_no_spelling_means_two_names_of_one_table(table):
    owners: dict[str, set[str]] = {}
    for canonical, spellings in data("taxonomy.json")[table].items():
        for spelling in [canonical, *spellings]:
            assert taxonomy.key(spelling), spelling
            owners.setdefault(taxonomy.key(spelling), set()).add(canonical)
    assert {k: v for k, v in owners.items() if len(v) > 1} == {}


def questions(db: Path) -> dict[str, tuple]:
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("SELECT qid, subject, subject_text, system, system_text, topic FROM questions")
        return {r[0]: r[1:] for r in rows}
    finally:
        conn.close()


def test_an_import_stores_the_usmle_names_beside_the_students_and_lists_the_unknown(srs, write_log, db_path):
    log = write_log(
        "sheet.csv",
        "Question ID,Date,Subject,System,Topic\n"
        "5201,2026-11-02,Pharm,Heme/Onc,Imatinib\n"
        "5202,2026-11-02,Micro,Gen Principles,Bacterial genetics\n"
        "5203,2026-11-03,Immuno,Immune,Type IV hypersensitivity\n"
        "5204,2026-11-03,Biochem,Skin & Subcutaneous,Albinism\n"
        "5205,2026-11-04,Path,Cardiac stuff,Myocarditis\n"
        "5206,2026-11-04,Patho-ish,Hem/Onc,Polycythemia\n",
    )
    result = srs("import", str(log), "--source", "uworld")
    assert result.exit_code == 0, result.output
    assert questions(db_path) == {
        "5201": ("Pharmacology", "Pharm", "Blood & Lymphoreticular", "Heme/Onc", "Imatinib"),
        "5202": ("Microbiology", "Micro", "General Principles", "Gen Principles", "Bacterial genetics"),
        "5203": ("Immunology", "Immuno", "Immune System", "Immune", "Type IV hypersensitivity"),
        "5204": ("Biochemistry & Nutrition", "Biochem", "Musculoskeletal/Skin", "Skin & Subcutaneous", "Albinism"),
        "5205": ("Pathology", "Path", "Cardiac stuff", "Cardiac stuff", "Myocarditis"),  # kept as written
        "5206": ("Patho-ish", "Patho-ish", "Blood & Lymphoreticular", "Hem/Onc", "Polycythemia"),
    }
    assert "Subjects kept as written (not USMLE names): Patho-ish" in result.output
    assert "Systems kept as written (not USMLE names): Cardiac stuff" in result.output
