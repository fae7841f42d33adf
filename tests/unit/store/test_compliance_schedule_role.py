"""Role compliance_schedule: one description of its variables (argument specs = defaults = README)."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from ansible_collections.hisops.him.plugins.plugin_utils import role_docs

pytestmark = pytest.mark.unit

ROLE = Path(__file__).resolve().parents[3] / "roles" / "compliance_schedule"


def test_defaults_and_argument_specs_agree() -> None:
    defaults = yaml.safe_load((ROLE / "defaults" / "main.yml").read_text())
    options = yaml.safe_load((ROLE / "meta" / "argument_specs.yml").read_text())["argument_specs"]["main"]["options"]
    assert set(defaults) == set(options)
    for name, spec in options.items():
        assert spec.get("default") == defaults[name], name
        assert name.startswith("hisops_schedule_") and spec.get("description"), name


def test_readme_table_is_generated_from_the_specs() -> None:
    current, fresh = role_docs.render(ROLE)
    assert current == fresh, "run: bin/hisops-role-docs roles/compliance_schedule"
    assert '| `hisops_schedule_store` | str | `""` |' in current


def test_table_generation_marks_required_and_choices(tmp_path: Path) -> None:
    (tmp_path / "meta").mkdir()
    (tmp_path / "meta" / "argument_specs.yml").write_text(
        yaml.safe_dump(
            {
                "argument_specs": {
                    "main": {
                        "options": {
                            "hisops_x": {"type": "str", "required": True, "description": "Use C(x) | y."},
                            "hisops_y": {"type": "list", "elements": "str", "choices": ["a", "b"], "default": []},
                        }
                    }
                }
            }
        )
    )
    (tmp_path / "README.md").write_text("# r\n%s\nold\n%s\n" % (role_docs.BEGIN, role_docs.END))
    assert role_docs.main([str(tmp_path), "--check"]) == 1
    assert role_docs.main([str(tmp_path)]) == 0
    text = (tmp_path / "README.md").read_text()
    assert "| `hisops_x` | str | *required* | Use `x` \\| y. |" in text
    assert "| `hisops_y` | list of str (a, b) | `[]` |  |" in text
    assert role_docs.main([str(tmp_path), "--check"]) == 0
