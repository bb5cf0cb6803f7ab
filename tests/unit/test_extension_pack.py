import json
import subprocess
import sys
import zipfile
from pathlib import Path

from backend import PROJECT_ROOT


def test_pack_writes_a_store_ready_zip(tmp_path: Path) -> None:
    output = tmp_path / "extension.zip"

    done = subprocess.run([sys.executable, "-m", "backend.cli", "extension", "pack", "--output", str(output)],
                          capture_output=True, text=True, check=True)  # fmt: skip

    with zipfile.ZipFile(output) as archive:
        names = set(archive.namelist())
        manifest = json.loads(archive.read("manifest.json"))
    assert manifest == json.loads((PROJECT_ROOT / "extension" / "manifest.json").read_text())
    assert {"src/background.js", "src/content.js", "_locales/en/messages.json", "icons/icon128.png"} <= names
    assert "package.json" not in names
    assert f"version {manifest['version']}" in done.stdout
