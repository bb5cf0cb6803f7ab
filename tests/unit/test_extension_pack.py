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
    source = json.loads((PROJECT_ROOT / "extension" / "manifest.json").read_text())
    assert {"src/background.js", "src/content.js", "_locales/en/messages.json", "icons/icon128.png"} <= names
    assert "package.json" not in names
    assert f"version {manifest['version']}" in done.stdout
    # The store build keeps everything but the development build's addresses on this computer.
    assert manifest["host_permissions"] == ["https://*.superoffice.com/*"]
    assert manifest["content_scripts"] == source["content_scripts"]
    assert manifest["optional_host_permissions"] == source["optional_host_permissions"]
    assert {key: value for key, value in manifest.items() if key != "host_permissions"} == {
        key: value for key, value in source.items() if key != "host_permissions"
    }
    text = json.dumps(manifest)
    assert "127.0.0.1" not in text and "localhost" not in text
    # What an on-site installation adds in the options.
    assert "CRM addresses" in done.stdout and "Meetings service address" in done.stdout


def test_pack_strips_loopback_addresses_wherever_the_manifest_has_them() -> None:
    from backend.cli import store_manifest

    manifest = {
        "host_permissions": ["http://127.0.0.1/*", "http://localhost:8001/*", "http://[::1]/*", "https://x.example/*"],
        "optional_host_permissions": ["https://*/*", "http://*/*"],
        "content_scripts": [
            {"matches": ["http://127.0.0.1:8001/*"], "js": ["a.js"]},
            {"matches": ["http://localhost/*", "https://*.superoffice.com/Cust*"], "js": ["b.js"]},
        ],
        "web_accessible_resources": [{"resources": ["src/c.js"], "matches": ["http://127.0.0.1/*"]}],
    }

    packed = store_manifest(manifest)

    assert packed["host_permissions"] == ["https://x.example/*"]
    assert packed["optional_host_permissions"] == ["https://*/*", "http://*/*"]
    assert packed["content_scripts"] == [{"matches": ["https://*.superoffice.com/Cust*"], "js": ["b.js"]}]
    assert "web_accessible_resources" not in packed
    assert manifest["host_permissions"][0] == "http://127.0.0.1/*"  # the source is left as it was
