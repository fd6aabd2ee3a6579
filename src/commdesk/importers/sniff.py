"""What a file really is, from its first bytes, and the refusal of files that cannot be read.

The name's extension is not trusted: registers arrive renamed (.xls that is really .xlsx, a PDF
renamed to .xlsx, a CSV saved as .xls by a web system). Every refusal is a ``UserError`` with
one Chinese sentence naming the file.
"""
from __future__ import annotations

import zipfile
from pathlib import Path

from commdesk.errors import UserError
from commdesk.i18n import _

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
#: Larger uncompressed workbooks are refused before any parsing (zip bombs).
MAX_UNCOMPRESSED = 1_500_000_000
MAX_FILE_SIZE = 400_000_000
_ENCRYPTED_STREAM = "EncryptedPackage".encode("utf-16-le")
_OTHER_MAGICS = {
    b"%PDF": "PDF",
    b"\x89PNG": "PNG 图片",
    b"\xff\xd8\xff": "JPEG 图片",
    b"GIF8": "GIF 图片",
    b"Rar!": "RAR 压缩包",
    b"7z\xbc\xaf": "7z 压缩包",
    b"\x1f\x8b": "gzip 压缩包",
    b"{\\rtf": "RTF 文档",
    b"SQLite format 3": "数据库文件",
    b"MZ": "程序文件",
}


def _fail(path: Path, message: str) -> UserError:
    return UserError(_("无法导入“{name}”：{why}").format(name=path.name, why=message))


def password_message(path: Path) -> UserError:
    return _fail(path, _("文件设置了打开密码。请先在 Excel 中取消密码保护后再导入"))


def sniff(path: Path) -> str:
    """``"xlsx"``, ``"xls"`` or ``"csv"``; anything else raises ``UserError``."""
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(4096)
    except FileNotFoundError as exc:
        raise _fail(path, _("文件不存在")) from exc
    except IsADirectoryError as exc:
        raise _fail(path, _("这是一个文件夹，不是文件")) from exc
    except OSError as exc:
        raise _fail(path, _("无法读取文件（{err}）").format(err=exc.strerror or type(exc).__name__)) from exc
    if size == 0 or not head:
        raise _fail(path, _("文件是空的（0 字节）"))
    if size > MAX_FILE_SIZE:
        raise _fail(path, _("文件太大（超过 400 MB），请拆分后再导入"))
    if head.startswith(ZIP_MAGICS):
        return _check_zip(path)
    if head.startswith(OLE_MAGIC):
        return _check_ole(path, size)
    for magic, what in _OTHER_MAGICS.items():
        if head.startswith(magic):
            raise _fail(path, _("这是{what}，不是 Excel 表格或 CSV 文件").format(what=what))
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith((b"<?xml", b"<html", b"<!doctype", b"<table", b"mime-version")):
        raise _fail(path, _("这是网页或 XML 格式的表格（“另存为网页”的文件），请在 Excel 中另存为 .xlsx 后再导入"))
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise _fail(path, _("不是 Excel 表格或 CSV 文件（无法识别的二进制格式）"))
    return "csv"


def _check_zip(path: Path) -> str:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
            total = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, EOFError, ValueError, OSError) as exc:
        raise _fail(path, _("文件已损坏或不完整（可能没有复制完），请重新获取原文件")) from exc
    if "xl/workbook.xml" not in names and "xl/workbook.bin" not in names:
        if "word/document.xml" in names:
            raise _fail(path, _("这是 Word 文档，不是 Excel 表格"))
        if "ppt/presentation.xml" in names:
            raise _fail(path, _("这是 PowerPoint 演示文稿，不是 Excel 表格"))
        if "content.xml" in names:
            raise _fail(path, _("这是 WPS/OpenOffice 格式（.ods/.et），请另存为 .xlsx 后再导入"))
        raise _fail(path, _("这是一个压缩包，不是 Excel 表格"))
    if "xl/workbook.bin" in names:
        raise _fail(path, _("这是 Excel 二进制工作簿（.xlsb），请在 Excel 中另存为 .xlsx 后再导入"))
    if total > MAX_UNCOMPRESSED:
        raise _fail(path, _("文件解压后过大，可能已损坏或是恶意文件"))
    return "xlsx"


def _check_ole(path: Path, size: int) -> str:
    """OLE2 container: legacy .xls, or an encrypted .xlsx (EncryptedPackage stream), or Word."""
    with path.open("rb") as fh:
        data = fh.read(min(size, 8_000_000))
    if _ENCRYPTED_STREAM in data:
        raise password_message(path)
    if "WordDocument".encode("utf-16-le") in data and "Workbook".encode("utf-16-le") not in data:
        raise _fail(path, _("这是 Word 文档，不是 Excel 表格"))
    return "xls"
