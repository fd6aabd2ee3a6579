"""``commdesk encrypt-db`` and ``commdesk decrypt-db``: the local database file encrypted at rest
(SQLCipher) or plain again, an administrator's act (``models.cipher_switch`` does the work).

Encrypting needs the SQLCipher driver (``pip install "commdesk[cipher]"``) and a kept backup
password (``commdesk backup --remember``). The key goes into the OS keyring and, wrapped under the
backup password, into ``<name>.key`` beside the database. When the keyring entry is gone, any
command asks for the backup password (``COMMDESK_BACKUP_PASSWORD``, or typed at the terminal)
and puts the key back: :func:`install` installs that prompt for every command.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any

from commdesk.cli.backup import PASSWORD_ENV
from commdesk.cli.common import login_for
from commdesk.errors import UserError
from commdesk.i18n import _
from commdesk.models import db_cipher


def prompt(request: db_cipher.KeyRequest) -> str | None:
    """The backup password for a database whose keyring key is missing: ``COMMDESK_BACKUP_PASSWORD``
    (once: a refused one is not tried again), else typed at a terminal."""
    value = os.environ.get(PASSWORD_ENV)
    if value:
        if request.error:
            raise UserError(_("{err}（环境变量 {env} 中的备份密码不对）").format(err=request.error, env=PASSWORD_ENV))
        return value
    if not sys.stdin.isatty():
        raise UserError(_("“{name}”是加密的数据库，本机的数据库钥匙不在了：请设置环境变量 {env}（备份密码），"
                          "或在终端中运行以输入备份密码").format(name=request.name, env=PASSWORD_ENV))
    import getpass

    if request.error:
        print(f"commdesk: {request.error}", file=sys.stderr)
    return getpass.getpass(_(db_cipher.MISSING_KEY) + _("（{name}）：").format(name=request.name)) or None


def install() -> None:
    """For the rest of this process (one command)."""
    db_cipher.set_key_prompt(prompt)


def _local_path(args: argparse.Namespace) -> Path:
    from commdesk.models.db import resolve_url

    _url, path = resolve_url(getattr(args, "db", None))
    if path is None:
        raise UserError(_("服务器上的数据库不能用 commdesk 加密：请由服务器管理员加密服务器的磁盘（例如 BitLocker），"
                          "并用加密连接（sslmode）。"))
    return path


def run_encrypt(args: argparse.Namespace) -> int:
    from commdesk.models.cipher_switch import encrypt

    path = _local_path(args)
    if not db_cipher.available():
        raise UserError(_(db_cipher.NO_DRIVER))
    if not path.exists():
        raise UserError(_("数据库文件不存在：{name}").format(name=path.name))
    if db_cipher.is_encrypted_file(path):
        print(_("数据库“{name}”已经是加密的。").format(name=path.name))
        return 0
    login_for(args, "settings")
    before = encrypt(path)
    print(_("数据库“{name}”已加密（SQLCipher）。钥匙保存在本机的系统凭据管理器中；另有一份用备份密码加密的钥匙文件 {key}，"
            "请让它和数据库放在一起（复制、搬家时一起带走）。加密前的备份：{backup}").format(
                name=path.name, key=db_cipher.sidecar_path(path).name, backup=before))
    return 0


def run_decrypt(args: argparse.Namespace) -> int:
    from commdesk.models.cipher_switch import decrypt

    path = _local_path(args)
    if not path.exists():
        raise UserError(_("数据库文件不存在：{name}").format(name=path.name))
    if not db_cipher.is_encrypted_file(path):
        print(_("数据库“{name}”没有加密。").format(name=path.name))
        return 0
    if not db_cipher.available():
        raise UserError(_("“{name}”是加密的数据库，本机没有安装 SQLCipher（sqlcipher3），无法取消加密。").format(name=path.name))
    login_for(args, "settings")
    before = decrypt(path)
    print(_("已取消数据库加密：“{name}”现在是普通的 SQLite 文件（钥匙文件和凭据管理器里的钥匙已删除）。"
            "取消前的备份：{backup}").format(name=path.name, backup=before))
    return 0


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    p = sub.add_parser("encrypt-db", parents=[common],
                       help=_("（管理员）加密本机的数据库文件（SQLCipher；需要先设置备份密码）"))
    p.set_defaults(func=run_encrypt)
    p = sub.add_parser("decrypt-db", parents=[common], help=_("（管理员）取消数据库文件的加密"))
    p.set_defaults(func=run_decrypt)
