"""voicecoach's folders: the platform's own, each moved by its environment variable."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from voicecoach import paths

FOLDERS = [
    (paths.cache_dir, "VOICECOACH_CACHE_DIR", platformdirs.user_cache_dir),
    (paths.data_dir, "VOICECOACH_DATA_DIR", platformdirs.user_data_dir),
    (paths.config_dir, "VOICECOACH_CONFIG_DIR", platformdirs.user_config_dir),
]


@pytest.mark.parametrize("folder, variable, platform_folder", FOLDERS)
def test_each_folder_is_the_platforms_unless_its_variable_moves_it(
    monkeypatch, tmp_path: Path, folder, variable, platform_folder
):
    monkeypatch.delenv(variable, raising=False)
    assert folder() == Path(platform_folder("voicecoach"))
    monkeypatch.setenv(variable, str(tmp_path / "moved"))
    assert folder() == tmp_path / "moved"
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv(variable, "~/elsewhere")
    assert folder() == tmp_path / "elsewhere"
    monkeypatch.setenv(variable, "")
    assert folder() == Path(platform_folder("voicecoach")), "an empty variable moves nothing"
