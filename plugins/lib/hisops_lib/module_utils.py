"""The project's Ansible module_utils (``plugins/module_utils/hisops``) for controller-side code.

Ansible modules import them as ``ansible.module_utils.hisops.NAME`` (``module_utils`` in
ansible.cfg), a name plain Python cannot import. The recorder, the results store and the
reports load the same files by path, so what they share with the modules (the control result
record and its statuses, ``results.py``) is defined once. Only files that import nothing from
``ansible.module_utils`` can be loaded this way.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

MODULE_UTILS = Path(__file__).resolve().parents[2] / "module_utils" / "hisops"


def load(name: str) -> ModuleType:
    """``plugins/module_utils/hisops/NAME.py`` as the module ``hisops_lib.module_utils.NAME`` (loaded once)."""
    qualified = "%s.%s" % (__name__, name)
    if qualified in sys.modules:
        return sys.modules[qualified]
    spec = importlib.util.spec_from_file_location(qualified, MODULE_UTILS / (name + ".py"))
    if spec is None or spec.loader is None:
        raise ImportError("no module_utils file %s" % (MODULE_UTILS / (name + ".py")))
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        del sys.modules[qualified]
        raise
    return module


results = load("results")
