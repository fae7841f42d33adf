"""Stand-in for the pip bootstrap script ansible-test downloads (get-pip.py), for control nodes
that reach a package index but not ansible-test's download host.

ansible-test runs it inside each new sanity virtual environment as
``get_pip.py --disable-pip-version-check pip==VERSION --no-setuptools --no-wheel``: it puts the pip
that Python bundles (ensurepip) into the environment, then installs the pip version asked for
from the configured package index, as get-pip.py does. tests/sanity/run.sh puts it in
ansible-test's cache when the real one cannot be downloaded.
"""

import ensurepip
import os
import ssl
import subprocess
import sys

if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if a not in ("--no-setuptools", "--no-wheel")]
    ensurepip.bootstrap(upgrade=True)
    # ansible-test runs this with a reduced environment; the bundled pip then trusts only its own
    # CA list, so point it at the system's (newer pip versions use the system store themselves).
    cafile = ssl.get_default_verify_paths().openssl_cafile
    cert = ["--cert", cafile] if os.path.exists(cafile) else []
    sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--upgrade", *cert, *args]))
