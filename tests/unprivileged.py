"""Running ruleops as a user without privileges, for the tests of permissions.

Permissions mean nothing to root, and these tests may run as root (in containers, often).
Then the command runs as root stripped of every capability through `setpriv` (util-linux):
without CAP_DAC_OVERRIDE and CAP_DAC_READ_SEARCH the kernel checks the permission bits
for root as for any file's owner, so a folder of mode 0 cannot be listed and one of mode
555 cannot be written: real denials, not a simulation. Dropping the user instead (to
`nobody`) would need the Python installation to be reachable by that user, and it often
is not (a pyenv under a private /root). The files live in a folder of their own under the
system's temporary folder, as they would for another user.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _command(args: list[str]) -> list[str]:
    command = [sys.executable, "-m", "ruleops", *args]
    if os.geteuid() != 0:
        return command
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permissions cannot be tested")
    return [setpriv, "--bounding-set=-all", "--inh-caps=-all", *command]


def run_unprivileged(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """`ruleops ARGS` in `cwd` as a user without privileges (see the module docstring)."""
    environment = {**os.environ, "XDG_CACHE_HOME": str(cwd / ".user-cache"), "HOME": str(cwd)}
    return subprocess.run(
        _command(args), cwd=cwd, env=environment, capture_output=True, text=True, timeout=60
    )


@pytest.fixture
def shared_folder() -> Iterator[Path]:
    """An empty folder that the unprivileged user may enter and write."""
    folder = Path(tempfile.mkdtemp(prefix="ruleops-unprivileged-"))
    folder.chmod(0o777)
    try:
        yield folder
    finally:
        for path in [folder, *folder.rglob("*")]:
            if path.is_dir() and not path.is_symlink():
                path.chmod(stat.S_IRWXU)
        shutil.rmtree(folder)


def open_to_all(*paths: Path) -> None:
    """Let the unprivileged user read and write these files and folders."""
    for path in paths:
        path.chmod(0o777 if path.is_dir() else 0o666)
