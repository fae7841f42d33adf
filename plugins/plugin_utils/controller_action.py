"""Base of hisops' action plugins that run on the control node only (they never contact the host)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.plugins.action import ActionBase


def validated(spec: dict[str, Any], args: Mapping[str, Any]) -> tuple[dict[str, Any], str]:
    """A task's arguments checked against its module's argument spec: (parameters, the problems or '')."""
    checked = ArgumentSpecValidator(spec).validate(dict(args))
    return checked.validated_parameters, "; ".join(checked.error_messages)


def begin_run(
    action: ActionBase, tmp: Any, task_vars: dict[str, Any], spec: dict[str, Any]
) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """ActionBase's run, then the task's arguments checked against ``spec``: (result, parameters);
    parameters None when they are wrong (the result then says why, failed)."""
    result = ActionBase.run(action, tmp, task_vars)
    args, problems = validated(spec, action._task.args)
    if problems:
        return result | {"failed": True, "msg": problems}, None
    return result, args


class ControllerAction(ActionBase):
    """An action that needs no connection and no file transfer, and reads only (full check mode)."""

    TRANSFERS_FILES = False
    _requires_connection = False
    _supports_check_mode = True
