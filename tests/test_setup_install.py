"""Bug 12: the editable install that scripts/setup.sh makes printed setuptools' large
BuildBackendWarning block ("Editable installation ... Please be careful with folders ..."), which
a newcomer reads as a failure. The project declares its flat layout (package-dir), so setuptools
installs it with a plain .pth file: quietly, and still editable."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def test_the_editable_install_is_quiet_and_runs_the_working_tree(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    # As scripts/setup.sh does it (-q, editable, a current pip); --no-deps: the dependencies are
    # not what this is about.
    install = subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "-q", "--no-deps", "-e", str(REPO)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    said = install.stdout + install.stderr
    assert install.returncode == 0, said
    assert "BuildBackendWarning" not in said and "Editable install" not in said, said
    where = subprocess.run(
        [str(python), "-c", "import voicecoach, audio_cues; print(voicecoach.__file__, audio_cues.__file__)"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=True,
    ).stdout.split()
    assert [Path(p) for p in where] == [
        REPO / "voicecoach" / "__init__.py",
        REPO / "audio_cues" / "__init__.py",
    ]
