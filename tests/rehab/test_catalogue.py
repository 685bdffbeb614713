import pytest

from pipeline.rehab.catalogue import GLUTE, HAMSTRING, RELEASE, exercise_focus, exercise_stage


@pytest.mark.parametrize("name,load,stage,focus", [
    ("isometric bridge hold", None, "isometric", GLUTE),
    ("Prone hamstring hold", None, "isometric", HAMSTRING),
    ("bridge", None, "isotonic", GLUTE),
    ("single-leg bridge", None, "isotonic", GLUTE),
    ("single-leg bridge", 10.0, "heavy_slow", GLUTE),  # SCIENCE.md: "single-leg bridge with load"
    ("clamshells", None, "isotonic", GLUTE),
    ("swiss ball hamstring curl", None, "isotonic", HAMSTRING),
    ("single-leg RDL", None, "heavy_slow", HAMSTRING),
    ("Romanian deadlift", 30.0, "heavy_slow", HAMSTRING),
    ("A-skips", None, "energy_storage", HAMSTRING),
    ("foam roll hamstring", None, None, RELEASE),
    ("controlled bridge", None, "isotonic", GLUTE),  # "controlled" is not a foam roll
    ("pilates reformer", None, None, None),  # unknown: kept, stage unknown
])
def test_common_names_map_to_the_four_stages(name, load, stage, focus):
    assert exercise_stage(name, load_kg=load) == stage
    assert exercise_focus(name) == focus
