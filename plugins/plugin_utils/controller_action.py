"""Base of hisops' action plugins that run on the control node only (they never contact the host)."""

from __future__ import annotations

from ansible.plugins.action import ActionBase


class ControllerAction(ActionBase):
    """An action that needs no connection and no file transfer, and reads only (full check mode)."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
