"""Debian's ``prometheus`` package, installed under ``.local/`` without root.

``apt-get download`` fetches the ``.deb`` (apt checks the archive's signed Release file),
its SHA256 is checked once more against ``apt-cache show``, and ``dpkg-deb -x`` unpacks
what runs (see :mod:`local_prometheus` for the layout).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prometheus_local.errors import PrometheusToolError
from prometheus_local.layout import (
    DEFAULT_INSTALL,
    PACKAGE,
    STAMP,
)

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Installation:
    """An unpacked ``prometheus`` package."""

    root: Path
    """Directory holding ``bin/``, ``web/`` and the ``PACKAGE`` stamp."""

    @property
    def prometheus(self) -> Path:
        """The server binary."""
        return self.root / "bin" / "prometheus"

    @property
    def promtool(self) -> Path:
        """The rule and configuration checker."""
        return self.root / "bin" / "promtool"

    @property
    def web_assets(self) -> Path:
        """The server's ``--web.local-assets`` directory."""
        return self.root / "web"

    @property
    def stamp(self) -> Path:
        """Package, version and SHA256 of the .deb this was unpacked from."""
        return self.root / STAMP

    def complete(self) -> bool:
        """True if the stamp and both binaries are there."""
        return (
            self.stamp.is_file()
            and os.access(self.prometheus, os.X_OK)
            and os.access(self.promtool, os.X_OK)
        )

    def version(self) -> str:
        """The Debian version recorded in the stamp (empty if not installed)."""
        try:
            fields = dict(
                line.split(": ", 1) for line in self.stamp.read_text("utf-8").splitlines() if line
            )
        except (FileNotFoundError, ValueError):
            return ""
        return fields.get("Version", "")


@dataclass(frozen=True)
class PackageInfo:
    """What the package index says about the candidate ``.deb``."""

    version: str
    """Debian version, e.g. ``2.42.0+ds-5+deb12u1``."""
    sha256: str
    """Hex SHA256 of the ``.deb`` file."""
    size: int
    """Size of the ``.deb`` in bytes."""


def parse_package_stanza(text: str) -> PackageInfo | None:
    """Version, SHA256 and Size of the first stanza of ``apt-cache show`` output (or None)."""
    fields: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            if fields:
                break
            continue
        if line[0].isspace() or ":" not in line:
            continue
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    try:
        return PackageInfo(fields["Version"], fields["SHA256"].lower(), int(fields["Size"]))
    except (KeyError, ValueError):
        return None


def _run(cmd: list[str], what: str, **kwargs: Any) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, check=False, **kwargs)
    except FileNotFoundError as exc:
        raise PrometheusToolError(
            f"{cmd[0]} not found: {what} needs Debian's package tools (apt-get, dpkg-deb)"
        ) from exc


def _candidate() -> PackageInfo | None:
    shown = _run(["apt-cache", "show", "--no-all-versions", PACKAGE], "the package lookup")
    if shown.returncode != 0:
        return None
    return parse_package_stanza(shown.stdout)


def _package_info() -> PackageInfo:
    info = _candidate()
    if info is not None:
        return info
    if os.geteuid() != 0:
        raise PrometheusToolError(
            f"the package index knows no {PACKAGE!r} package: run `apt-get update` (as root) "
            "and try again"
        )
    _log.info("the package index knows no %r package: running apt-get update", PACKAGE)
    updated = _run(["apt-get", "update", "-q"], "apt-get update")
    info = _candidate()
    if info is None:
        raise PrometheusToolError(
            f"no {PACKAGE!r} package after apt-get update (exit {updated.returncode}): "
            f"{updated.stderr.strip()[-500:]}"
        )
    return info


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for chunk in iter(lambda: stream.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def _install_lock(directory: Path) -> Iterator[None]:
    directory.mkdir(parents=True, exist_ok=True)
    with (directory / ".install.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def ensure_prometheus(install_dir: Path = DEFAULT_INSTALL) -> Installation:
    """The unpacked package in ``install_dir``, downloading and unpacking it if needed.

    Raises:
        PrometheusToolError: no package index entry, download failed, the .deb's SHA256 does
            not match the index, or it lacks the binaries.
    """
    installation = Installation(install_dir.resolve())
    if installation.complete():
        return installation
    with _install_lock(installation.root.parent):
        if installation.complete():  # another process finished it while we waited
            return installation
        _install(installation)
    return installation


def _install(installation: Installation) -> None:
    info = _package_info()
    _log.info("installing Debian's %s %s into %s", PACKAGE, info.version, installation.root)
    parent = installation.root.parent
    with tempfile.TemporaryDirectory(prefix=".prometheus-", dir=parent) as tmp:
        work = Path(tmp)
        work.chmod(0o755)  # apt's unprivileged downloader must be able to write here
        fetched = _run(
            ["apt-get", "download", "-q", f"{PACKAGE}={info.version}"], "the download", cwd=work
        )
        debs = sorted(work.glob(f"{PACKAGE}_*.deb"))
        if fetched.returncode != 0 or len(debs) != 1:
            raise PrometheusToolError(
                f"apt-get download {PACKAGE}={info.version} failed (exit {fetched.returncode}): "
                f"{fetched.stderr.strip()[-500:]}"
            )
        deb = debs[0]
        actual = _sha256(deb)
        if actual != info.sha256 or deb.stat().st_size != info.size:
            raise PrometheusToolError(
                f"{deb.name}: SHA256 {actual} ({deb.stat().st_size} bytes) does not match the "
                f"package index ({info.sha256}, {info.size} bytes); not installing it"
            )
        unpacked = work / "unpacked"
        extracted = _run(["dpkg-deb", "-x", str(deb), str(unpacked)], "unpacking")
        if extracted.returncode != 0:
            raise PrometheusToolError(f"dpkg-deb -x {deb.name} failed: {extracted.stderr.strip()}")
        staged = Installation(work / "dist")
        (staged.root / "bin").mkdir(parents=True)
        for name in ("prometheus", "promtool"):
            source = unpacked / "usr" / "bin" / name
            if not source.is_file():
                raise PrometheusToolError(f"{deb.name} has no usr/bin/{name}")
            shutil.copy2(source, staged.root / "bin" / name)
        web = unpacked / "usr" / "share" / "prometheus" / "web"
        if web.is_dir():
            shutil.copytree(web, staged.web_assets, symlinks=True)
        staged.stamp.write_text(
            f"Package: {PACKAGE}\nVersion: {info.version}\nSHA256: {actual}\n", "utf-8"
        )
        if installation.root.exists():
            shutil.rmtree(installation.root)
        staged.root.rename(installation.root)
