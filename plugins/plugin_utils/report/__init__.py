"""hisops reports: compliance by period from the results store, as HTML, XLSX, CSV and JSON.

Entry points: ``bin/hisops-report`` (``cli.main``), ``./hisops report``,
``playbooks/report.yml``. Building blocks: ``build.open_report`` (the model),
``sections`` (the registry of sections, each shown only when it has data), ``render_*``.
"""

from . import backups  # noqa: F401  (registers the backup register section)
from .build import Options, open_report
from .period import Period, PeriodError, parse_period
from .sections import RecordSection, register
from . import section_passwords  # noqa: F401  (registers the password register section)
from . import section_antivirus  # noqa: F401  (registers the antivirus section)

__all__ = ["Options", "Period", "PeriodError", "RecordSection", "open_report", "parse_period", "register"]
