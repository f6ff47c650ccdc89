"""What the station commands check on the counter PC before sending anything, and how they word a refusal.

A folder (the scanner's job folder) stands for its page files in name order; a file that is not a scan is named.
"""

from __future__ import annotations

import re
from pathlib import Path

from api.client import ApiError, Unreachable
from ingest.sniff import PAGE_TYPES, sniff_file

# what an operating system or a file manager leaves in a folder: never a page
SYSTEM_FILES = frozenset({"thumbs.db", "desktop.ini", ".ds_store"})


class StationFileError(Exception):
    """A path given to `sohoa upload` or `sohoa rescan` that is no page: the message is the officer's line."""


def _natural(path: Path) -> list[object]:
    """Name order as people read it: scan2 before scan10."""
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", path.name)]


def page_files(paths: list[Path]) -> list[Path]:
    """The files to send, in order: a folder's files in name order (hidden and system files left out); every file
    checked by its content to be a JPEG, PNG, TIFF or PDF, or one zip alone (a batch with its manifest)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            inside = [
                item
                for item in path.iterdir()
                if item.is_file() and not item.name.startswith(".") and item.name.lower() not in SYSTEM_FILES
            ]
            if not inside:
                raise StationFileError(f"thư mục {path} không có tệp trang quét nào (no page file in the folder)")
            files.extend(sorted(inside, key=_natural))
        elif path.is_file():
            files.append(path)
        else:
            raise StationFileError(f"không thấy tệp {path}: kiểm tra đường dẫn (no such file or folder)")
    if len(files) == 1 and sniff_file(files[0]) == "application/zip":
        return files
    for file in files:
        if sniff_file(file) not in PAGE_TYPES:
            raise StationFileError(
                f"{file} không phải trang quét (JPEG, PNG, TIFF hoặc PDF): bỏ tệp này ra rồi chạy lại; "
                "chưa gửi trang nào (not a JPEG, PNG, TIFF or PDF scan: nothing was sent)"
            )
    return files


def station_error(exc: ApiError) -> str:
    """The officer's line for a failed station call: Vietnamese first, the English detail in brackets."""
    if isinstance(exc, Unreachable):
        return f"không kết nối được máy chủ sohoa: kiểm tra mạng hoặc địa chỉ --server rồi chạy lại ({exc})"
    if exc.status == 401:
        return (
            "máy chủ không nhận mã truy cập của trạm quét (hết hạn hoặc không phải của máy chủ này): "
            f"lấy mã mới (SOHOA_TOKEN) rồi chạy lại ({exc})"
        )
    if exc.status == 403:
        return f"trạm quét không có quyền làm việc này: hỏi người quản trị ({exc})"
    return f"máy chủ từ chối ({exc})"


def lost_while_following(batch_id: str, exc: Unreachable) -> str:
    """The server went away after it accepted the batch: the pages are there, so no second upload (exit 5)."""
    return (
        f"máy chủ đã nhận lô {batch_id} nhưng mất kết nối khi theo dõi: không tải lên lại; khi máy chủ hoạt động, "
        f"xem kết quả bằng `sohoa status {batch_id} --wait` ({exc})"
    )
