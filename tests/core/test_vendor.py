"""lianxin.core.vendor: copying the browser libraries, and a clear error without npm."""

from __future__ import annotations

import pytest

from lianxin.core import vendor


def test_copies_the_dist_files(tmp_path):
    for source, _target in vendor.VENDOR_FILES:
        path = tmp_path / "node_modules" / source
        if source.endswith("/"):
            path.mkdir(parents=True)
            (path / "marker-icon.png").write_bytes(b"png")
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"/* {source} */")
    target = tmp_path / "vendor"
    vendor.vendor_copy(root=tmp_path, target=target)
    assert (target / "htmx/htmx.min.js").read_text() == "/* htmx.org/dist/htmx.min.js */"
    assert (target / "leaflet/images/marker-icon.png").read_bytes() == b"png"
    assert (target / "echarts/echarts.min.js").exists() and (target / "leaflet/leaflet.css").exists()


def test_missing_npm_is_a_clear_error(tmp_path, monkeypatch):
    monkeypatch.setattr(vendor.shutil, "which", lambda name: None)
    with pytest.raises(vendor.VendorError, match="npm was not found"):
        vendor.npm_install(root=tmp_path)


def test_missing_dist_file_is_a_clear_error(tmp_path):
    (tmp_path / "node_modules").mkdir()
    with pytest.raises(vendor.VendorError, match="is missing"):
        vendor.vendor_copy(root=tmp_path, target=tmp_path / "vendor")
