# Copyright: hisops contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action plugin of hisops_switch_config_fleet: validate and render every switch of the play on the
controller, then run the module ONCE for all of them.

With ``hosts`` (the role's parallel mode) this one task does what would otherwise be several
tasks per switch (validate, render, report): Ansible spends 20-30 ms per host and task on a
forked worker, more than the push itself. The switch data was checked for every host by the
whole-inventory check that runs before (playbooks/validate_inventory.yml); here every switch's
role arguments are checked; if any switch has a problem, the task fails with every switch's
problems in one list (each naming the switch and the field) and nothing is pushed. Then the
intended configuration of every switch is
rendered with the role's vendor template (the same template lookup as the one-switch path) and
the engine runs once with all of them. With ``switches`` (items rendered by the caller) the
engine runs with them as given.

The switches are reached from the control node (``ansible_connection: local``), so with a local
connection the engine (module_utils/switchfleet.py, the module's own code) runs in a process
forked from this one instead of as a module: no module payload to build (about 1 s for its 60
files), no interpreter to start and no imports to compile again, and the arguments, secrets
included, never leave memory (a pipe from this process to its fork). That process is forked
first, so its imports (netmiko, paramiko, hier-config) run while this one validates and renders;
when a switch has a problem it ends without running. The options are validated with the module's own
argument spec, its no_log values are masked in the result as Ansible masks a module's, and the
forked process handles SIGINT/SIGTERM as the module does (stop, restore each switch in the
middle of a push): Ansible passes a signal to the whole process group of its worker. With any
other connection the module runs as any module.
"""

from __future__ import annotations

import json
import multiprocessing
import os
from typing import Any, NamedTuple

from ansible.errors import AnsibleActionFail, AnsibleError
from ansible.plugins.action import ActionBase
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.template import trust_as_template

from ..plugin_utils.role_arguments import RoleArguments, host_variables
from ..plugin_utils.role_arguments import role_spec as role_spec_of

MODULE = "hisops.him.hisops_switch_config_fleet"
# One switch's item of the module's ``switches`` option: option -> the switch's variable. A variable
# the switch does not set leaves its option out: the module's argument spec holds the defaults.
ITEM_VARS = {
    "host": "ansible_host",
    "port": "ansible_port",
    "vendor": "hisops_switch_vendor",
    "username": "hisops_switch_username",
    "password": "hisops_switch_password",
    "secret": "hisops_switch_secret",
    "secrets": "hisops_switch_secret_values",
}


def _fleet() -> Any:
    """The engine and the module's options (module_utils/switchfleet.py), imported when first used."""
    from ..module_utils import switchfleet

    return switchfleet


def _engine(params: dict[str, Any], check_mode: bool, diff: bool) -> dict[str, Any]:
    """In the forked process: every switch's run, as the module does it."""
    from ..module_utils.switchrun import stop_on_signals

    stop_on_signals()  # SIGINT/SIGTERM: stop sending, restore each switch in the middle of a push
    return _fleet().fleet_result(_fleet().run_fleet(params, check_mode, diff), params["fail_on_any"])


def _engine_child(inbox: Any, to_engine: Any, out: Any) -> None:
    """The forked process: import the engine's libraries while the parent prepares the switches,
    then run what it sends and send ("ok", the task's result) or ("bug", traceback) back. Nothing
    sent (the parent found problems, or died): end without touching any switch."""
    to_engine.close()  # the parent's end alone keeps the pipe open: its end closed is an EOF here
    from ..module_utils import switchrun

    switchrun.preload()
    try:
        params, check_mode, diff = inbox.recv()
    except EOFError:
        out.close()
        return
    finally:
        inbox.close()
    switchrun.report(out, _engine, params, check_mode, diff)


class EngineProcess:
    """The engine's process, forked BEFORE the switches are validated and rendered: its imports
    (netmiko, paramiko, hier-config: a fifth of a second of CPU) run on the other core meanwhile."""

    def __init__(self) -> None:
        from ..module_utils import switchrun

        inbox, self._to_engine = multiprocessing.get_context("fork").Pipe(duplex=False)
        # not daemonic: the engine forks its own worker processes
        self.process, self._results = switchrun.start_forked(_engine_child, (inbox, self._to_engine), False)
        inbox.close()

    def run(self, params: dict[str, Any], check_mode: bool, diff: bool) -> tuple[str, Any]:
        """The engine's run of ``params``: (kind, payload) as switchrun.finish_forked gives them."""
        from ..module_utils import switchrun

        with self._to_engine:  # sent from memory to memory, never through a file
            self._to_engine.send((params, check_mode, diff))
        return switchrun.finish_forked(self.process, self._results)

    def cancel(self) -> None:
        """Nothing to run: the process ends without touching a switch (no-op after ``run``)."""
        if not self._to_engine.closed:
            self._to_engine.close()
            self._results.close()
            self.process.join()


def _switch_filters() -> Any:
    """The role's checks and plan (filter plugin hisops_switch), shared with the one-switch path."""
    from ..filter import hisops_switch

    return hisops_switch


class Switch(NamedTuple):
    host: str
    host_vars: dict[str, Any]
    data: dict[str, Any]
    problems: list[str]


class ActionModule(ActionBase):
    _supports_check_mode = True
    _supports_async = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._renderers: dict[str, Any] = {}  # template folder -> its templar (see _render)
        self._switch_templar: Any = None  # see _templar_for

    @staticmethod
    def _naming(host: str, step: Any, *args: Any) -> Any:
        """Run one step for one switch; an error (an undefined variable, a broken template) names the switch."""
        try:
            return step(*args)
        except AnsibleError as exc:
            raise AnsibleActionFail("switch %s: %s" % (host, exc.message)) from exc

    def _switch(self, host: str, host_vars: dict[str, Any], role_spec: RoleArguments | None) -> Switch:
        """One switch's templar, data and problems with the role's arguments. The switch data itself
        was checked for every host by the whole-inventory check that runs first (hisops_inventory_check,
        playbooks/validate_inventory.yml); the module checks its own arguments."""
        problems: list[str] = []
        if role_spec:
            names = [k for k in role_spec.names if k in host_vars]
            provided = self._templar_for(host_vars).template({k: host_vars[k] for k in names})
            problems += ["switch %s: %s" % (host, m) for m in role_spec.problems(provided)]
            # the role's options are rendered now: what reads them next (the switch data, the
            # vendor template) takes the values instead of rendering their templates again
            host_vars = {**host_vars, **provided}
        data = self._templar_for(host_vars).template(host_vars["hisops_switch_data"])
        return Switch(host, host_vars, data, problems)

    def _templar_for(self, host_vars: dict[str, Any]) -> Any:
        """The templar of one switch's variables: one for every switch, whose Jinja environment keeps
        the filters it has looked up (a new templar per switch looks each filter up again in the
        collections, a directory walk: a tenth of the controller's time per switch)."""
        if self._switch_templar is None:
            self._switch_templar = self._templar.copy_with_new_env()
        self._switch_templar.available_variables = host_vars
        return self._switch_templar

    def _play_switches(self, hosts: list[str], task_vars: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
        """(every switch's problems, in play order; the module's items when there is none)."""
        # each switch's variables as a task of this role sees them (role defaults and vars included)
        variables = host_variables(self, task_vars)
        role_spec = role_spec_of(self._loader, task_vars.get("role_path", ""))
        switches = [self._naming(h, self._switch, h, variables(h), role_spec) for h in hosts]
        problems = [p for s in switches for p in s.problems]
        if problems:
            return problems, []
        return [], [self._naming(s.host, self._item, s) for s in switches]

    def _item(self, switch: Switch) -> dict[str, Any]:
        """The module's item for one switch, with its intended configuration rendered by the
        role's vendor template (as the template lookup of the one-switch path renders it)."""
        values = {k: switch.host_vars[var] for k, var in ITEM_VARS.items() if var in switch.host_vars}
        item = {"name": switch.host, **self._templar_for(switch.host_vars).template(values)}
        item["host"] = item.get("host") or switch.host
        path = self._find_needle("templates", "%s.j2" % item.get("vendor"))
        variables = {
            **switch.host_vars,
            "hisops_switch_plan_data": _switch_filters().switch_plan(switch.data),
        }
        item["intended_config"] = self._render(path, variables)
        return item

    def _render(self, path: str, variables: dict[str, Any]) -> str:
        """The vendor template rendered with one switch's variables, as the template lookup renders it.

        One templar per template folder, whose environment keeps the template compiled: the
        template is included by name (compiled once, Jinja's cache), not rendered from its text
        (compiled for every switch: most of the rendering time of a fleet).
        """
        folder = os.path.dirname(path)
        if folder not in self._renderers:
            self._renderers[folder] = self._templar.copy_with_new_env(searchpath=[folder])
        templar = self._renderers[folder]
        templar.available_variables = variables
        include = trust_as_template("{%% include %s %%}" % json.dumps(os.path.basename(path)))
        return templar.template(include, escape_backslashes=False)

    def _run_forked(self, args: dict[str, Any], engine: EngineProcess | None = None) -> dict[str, Any]:
        """The module's run, in a process forked from this one (see this file's docstring)."""
        engine = engine or EngineProcess()
        try:
            return self._run_in(engine, args)
        finally:
            engine.cancel()

    def _run_in(self, engine: EngineProcess, args: dict[str, Any]) -> dict[str, Any]:
        fleet = _fleet()
        validator = ArgumentSpecValidator(
            fleet.FLEET_SPEC, mutually_exclusive=fleet.MUTUALLY_EXCLUSIVE, required_one_of=fleet.REQUIRED_ONE_OF
        )
        checked = validator.validate(args)
        params = checked.validated_parameters
        problems = checked.error_messages or fleet.option_problems(params)
        if problems:
            return {"failed": True, "changed": False, "msg": "; ".join(problems)}
        kind, payload = engine.run(params, self._task.check_mode, self._task.diff)
        if kind == "bug":
            raise AnsibleActionFail("the switch engine failed:\n%s" % payload)
        if kind != "ok":
            raise AnsibleActionFail(
                "the process pushing the switches ended abnormally (exit code %s): check the switches' state "
                "(drift is reported on the next run), then run again" % engine.process.exitcode
            )
        return remove_values(payload, fleet.secret_values(params))

    def run(self, tmp: Any = None, task_vars: dict[str, Any] | None = None) -> dict[str, Any]:
        task_vars = task_vars or {}
        result = super().run(tmp, task_vars)
        args = dict(self._task.args)
        local = self._play_context.connection == "local"
        engine = EngineProcess() if local else None  # its imports overlap the preparation below
        try:
            if "hosts" in args:
                if "switches" in args:
                    raise AnsibleActionFail("hosts and switches are mutually exclusive")
                hosts = [str(h) for h in args.pop("hosts") or []]
                problems, args["switches"] = self._play_switches(hosts, task_vars)
                if problems:
                    result.update(
                        failed=True,
                        changed=False,
                        problems=problems,
                        msg="switch data has %d problem(s); no switch was touched: %s"
                        % (len(problems), "; ".join(problems)),
                    )
                    return result
            if engine is not None:
                result.update(self._run_forked(args, engine))
            else:
                result.update(self._execute_module(module_name=MODULE, module_args=args, task_vars=task_vars))
        finally:
            if engine is not None:
                engine.cancel()
        if isinstance(result.get("switches"), dict):
            # the recorder (callback hisops_recorder) records each switch's result under its own host
            result["hisops_results_per_host"] = "switches"
        return result
