"""Reading a collection exported from Anki (.colpkg, or .apkg with scheduling), safely.

The file is untrusted. Before anything is unpacked, its zip directory is
checked: no entry may point outside the folder (`..`, absolute or drive paths,
links), the entries may not add up to an absurd size, and none may be
compressed so far beyond what real data allows that it must be a zip bomb.
Then only the collection and its format marker are copied, under a hard byte
cap, into a package of our own in a temporary folder (media stays behind).
Anki's own importer unpacks that (it knows every format version and runs
SQLite's integrity check); the result is checked again with
`PRAGMA integrity_check` before a single row is read. The temporary folder is
removed afterwards, whatever happens.
"""

from __future__ import annotations

import contextlib
import re
import stat
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from srs.anki import scratch
from srs.errors import SrsError, shown

INSTALL_HINT = "python -m pip install 'srs[anki]'"
KIB, MIB, GIB = 1 << 10, 1 << 20, 1 << 30
COLLECTION_FOR_VERSION = {1: "collection.anki2", 2: "collection.anki21", 3: "collection.anki21b"}
LATEST_VERSION = 3
EMPTY_MEDIA = {True: bytes.fromhex("28b52ffd2000010000"), False: b"{}"}  # zstd: an empty list; legacy: JSON
GUIDS_PER_QUERY = 500


class AnkiFileError(SrsError):
    """The file is not an Anki export we can read safely."""


class AnkiMissing(SrsError):
    """The optional `anki` package is not installed."""


@dataclass(frozen=True)
class Limits:
    """What an export from Anki may look like before we unpack anything."""

    max_entries: int = 500_000  # AnKing-sized media folders hold tens of thousands of files
    max_total_bytes: int = 16 * GIB  # all entries together, uncompressed, as the archive declares
    max_collection_bytes: int = 4 * GIB  # the one entry we unpack
    max_ratio: float = 100.0  # real collections deflate about 6:1, media barely at all
    ratio_from_bytes: int = 1 * MIB  # tiny entries may compress far better; they can do no harm
    max_meta_bytes: int = 4 * KIB


LIMITS = Limits()


@dataclass(frozen=True)
class AnkiReview:
    """One row of Anki's review log, for a note we know by GUID."""

    guid: str
    revlog_id: int  # the answer's time in epoch milliseconds; unique within its collection
    ease: int  # button 1-4; 0 for a manual change
    kind: int  # 0 learn, 1 review, 2 relearn, 3 filtered, 4 manual, 5 rescheduled
    factor: int  # 0 on a filtered-deck preview that did not reschedule
    duration_ms: int


def require_anki() -> None:
    """Fail with the install command when the optional `anki` package is missing."""
    try:
        import anki.collection  # noqa: F401
    except ImportError as exc:
        raise AnkiMissing(f"reading Anki files needs the 'anki' package: {INSTALL_HINT}") from exc


class ExportedCollection:
    """Read-only questions to an unpacked, checked collection."""

    def __init__(self, col: Any) -> None:
        self.col = col

    def note_types(self, guids: Iterable[str]) -> dict[str, int]:
        """GUID -> note type id, for the notes among `guids` that the collection has."""
        found: dict[str, int] = {}
        for chunk, marks in _chunks(guids):
            for guid, mid in self.col.db.all(f"SELECT guid, mid FROM notes WHERE guid IN ({marks})", *chunk):
                if isinstance(guid, str) and isinstance(mid, int):
                    found[guid] = mid
        return found

    def reviews(self, guids: Iterable[str]) -> list[AnkiReview]:
        """The review log of those notes' cards, oldest first; rows of the wrong shape left out."""
        reviews: list[AnkiReview] = []
        for chunk, marks in _chunks(guids):
            rows = self.col.db.all(
                "SELECT n.guid, r.id, r.ease, r.type, r.factor, r.time FROM revlog r "
                "JOIN cards c ON c.id = r.cid JOIN notes n ON n.id = c.nid "
                f"WHERE n.guid IN ({marks})",
                *chunk,
            )
            reviews += [AnkiReview(*row) for row in rows if all(isinstance(v, int) for v in row[1:])]
        return sorted(reviews, key=lambda r: (r.revlog_id, r.guid))


def _chunks(values: Iterable[str]) -> Iterator[tuple[list[str], str]]:
    items = list(values)
    for start in range(0, len(items), GUIDS_PER_QUERY):
        chunk = items[start : start + GUIDS_PER_QUERY]
        yield chunk, ", ".join("?" for _ in chunk)


@contextlib.contextmanager
def open_collection(path: Path, limits: Limits = LIMITS) -> Iterator[ExportedCollection]:
    """The collection inside an Anki export, unpacked into a temporary folder and checked."""
    require_anki()
    with scratch.work_folder("anki") as work:
        package = copy_collection(Path(path), Path(work), limits)
        col = _unpack(package, Path(work), str(path))
        try:
            _check_integrity(col, str(path))
            yield ExportedCollection(col)
        finally:
            col.close()


def copy_collection(path: Path, work: Path, limits: Limits = LIMITS) -> Path:
    """Check the archive, then copy its collection (not its media) into a package in `work`."""
    name = shown(str(path), 80)
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise AnkiFileError(f"{name}: cannot read it ({exc.strerror or exc})") from exc
    with handle:
        archive = _open_zip(handle, name)
        with archive:
            entries = archive.infolist()
            check_entries(entries, name, limits)
            by_name = {info.filename: info for info in entries}  # names are unique by now
            version, meta = _version(archive, by_name, name, limits)
            wanted = by_name.get(COLLECTION_FOR_VERSION[version])
            if wanted is None:
                raise AnkiFileError(f"{name}: no Anki collection inside; export one from Anki (File → Export)")
            package = work / "package.colpkg"
            with zipfile.ZipFile(package, "w", compression=zipfile.ZIP_STORED) as out:
                if meta is not None:
                    out.writestr("meta", meta)
                _copy_capped(archive, wanted, out, name, limits)
                out.writestr("media", EMPTY_MEDIA[version == LATEST_VERSION])
    return package


def _open_zip(handle: BinaryIO, name: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(handle)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
        raise AnkiFileError(
            f"{name}: not an Anki export (not a zip archive); in Anki use File → Export, "
            "'Anki Collection Package (.colpkg)'"
        ) from exc


_DRIVE = re.compile(r"^[A-Za-z]:")


def unsafe_name(name: str) -> bool:
    """A name that would land outside the folder it is unpacked into."""
    if not name or "\\" in name or "\x00" in name or name.startswith("/") or _DRIVE.match(name):
        return True
    return ".." in PurePosixPath(name).parts


def check_entries(entries: list[zipfile.ZipInfo], name: str, limits: Limits = LIMITS) -> None:
    """Refuse path tricks, links, encryption, duplicates and zip bombs, before unpacking anything."""
    if len(entries) > limits.max_entries:
        raise AnkiFileError(f"{name}: refused: {len(entries):,} entries (limit {limits.max_entries:,})")
    seen: set[str] = set()
    for info in entries:
        entry = shown(info.filename, 60)
        if unsafe_name(info.filename):
            raise AnkiFileError(f"{name}: refused: entry '{entry}' points outside the folder it unpacks into")
        if stat.S_ISLNK(info.external_attr >> 16):
            raise AnkiFileError(f"{name}: refused: entry '{entry}' is a link")
        if info.flag_bits & 0x1:
            raise AnkiFileError(f"{name}: refused: entry '{entry}' is encrypted")
        if info.filename in seen:
            raise AnkiFileError(f"{name}: refused: entry '{entry}' appears twice")
        seen.add(info.filename)
        if info.file_size > limits.ratio_from_bytes and info.file_size > limits.max_ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise AnkiFileError(
                f"{name}: refused: entry '{entry}' is compressed {ratio:,.0f}:1 "
                f"(over {limits.max_ratio:,.0f}:1; a zip bomb, not an Anki export)"
            )
    total = sum(info.file_size for info in entries)
    if total > limits.max_total_bytes:
        raise AnkiFileError(
            f"{name}: refused: it would unpack to {total / GIB:,.1f} GiB "
            f"(limit {limits.max_total_bytes / GIB:,.0f} GiB; a zip bomb, not an Anki export)"
        )


def _version(
    archive: zipfile.ZipFile, by_name: dict[str, zipfile.ZipInfo], name: str, limits: Limits
) -> tuple[int, bytes | None]:
    """The package format (1-3) and its `meta` entry, read the way Anki reads it."""
    info = by_name.get("meta")
    if info is None:
        return (2 if "collection.anki21" in by_name else 1), None
    if info.file_size > limits.max_meta_bytes:
        raise AnkiFileError(f"{name}: refused: its 'meta' entry is {info.file_size:,} bytes")
    from anki.import_export_pb2 import PackageMetadata
    from google.protobuf.message import DecodeError

    data = _read(archive, info, name)
    try:
        version = int(PackageMetadata.FromString(data).version)
    except DecodeError as exc:
        raise AnkiFileError(f"{name}: damaged: its 'meta' entry cannot be read") from exc
    if version not in COLLECTION_FOR_VERSION:
        raise AnkiFileError(
            f"{name}: package format {version} is unknown here; update the anki package (pip install -U anki)"
        )
    return version, data


def _read(archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str) -> bytes:
    try:
        return archive.read(info)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as exc:
        raise AnkiFileError(f"{name}: damaged archive ({shown(str(exc))})") from exc


def _copy_capped(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, out: zipfile.ZipFile, name: str, limits: Limits
) -> None:
    """Copy one entry, stopping at its declared size or the limit, whichever is smaller."""
    cap = min(info.file_size, limits.max_collection_bytes)
    if info.file_size > limits.max_collection_bytes:
        raise AnkiFileError(
            f"{name}: refused: its collection is {info.file_size / GIB:,.1f} GiB "
            f"(limit {limits.max_collection_bytes / GIB:,.0f} GiB)"
        )
    copied = 0
    try:
        with archive.open(info) as source, out.open(info.filename, "w", force_zip64=True) as target:
            while chunk := source.read(MIB):
                copied += len(chunk)
                if copied > cap:
                    raise AnkiFileError(f"{name}: refused: its collection unpacks to more than it declares")
                target.write(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError) as exc:
        raise AnkiFileError(f"{name}: damaged archive ({shown(str(exc))})") from exc


def _unpack(package: Path, work: Path, name: str) -> Any:
    """Anki's own importer turns the package into a collection; returns it open."""
    from anki._backend import RustBackend  # Anki has no public call for this
    from anki.collection import Collection
    from anki.errors import AnkiException

    backend = RustBackend()
    col_path = work / "collection.anki2"
    try:
        backend.import_collection_package(
            col_path=str(col_path),
            backup_path=str(package),
            media_folder=str(work / "media"),
            media_db=str(work / "media.db"),
        )
        return Collection(str(col_path), backend=backend)
    except AnkiException as exc:
        reason = shown(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__, 120)
        raise AnkiFileError(
            f"{shown(name, 80)}: the collection inside is damaged or not an Anki collection (Anki: {reason})"
        ) from exc


def _check_integrity(col: Any, name: str) -> None:
    from anki.errors import AnkiException

    try:
        result = col.db.scalar("PRAGMA integrity_check")
    except AnkiException as exc:
        result = exc
    if result != "ok":
        raise AnkiFileError(f"{shown(name, 80)}: the collection inside is damaged ({shown(str(result))})")
