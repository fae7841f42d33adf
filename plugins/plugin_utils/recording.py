"""What a task on the control node needs to know about the recording of its run.

The ``hisops_recorder`` callback exports the uuid of the run it records (``HISOPS_RUN_UUID``)
when it starts recording; the actions that read the store back (HIM-7.6, the run's coverage
check) find the store through the callback's own options (ini, env, default).
"""

from __future__ import annotations

RECORDER = "hisops.him.hisops_recorder"
RUN_UUID_ENV = "HISOPS_RUN_UUID"  # exported by the recorder when it starts recording a run


def recorder_store() -> str:
    """The store setting of the recorder callback (its own options: ini, env, default)."""
    from ansible.plugins.loader import callback_loader

    plugin = callback_loader.get(RECORDER)
    if plugin is None:
        return ""
    plugin.set_options()
    return plugin.get_option("store") or ""
