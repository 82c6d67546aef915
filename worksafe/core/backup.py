"""`worksafe backup DIR` and `worksafe restore DIR`: the database, the uploaded files and the signing keys, with a
manifest that restore checks.

A backup directory holds `database.dump` (pg_dump's custom format) or `database.sqlite3`, `files/` (every file of the
default storage under its storage name), `secret_key` and `secret_key_fallbacks` (as the data directory and
WORKSAFE_SECRET_KEY_FALLBACKS hold them: a site restored without its key answers "二维码无效" for every printed
placard), and `manifest.json`, written last: a directory without it is an interrupted backup. The manifest records
the row count of every table, the latest applied migration per app and each file's size and SHA-256.

Files go through Django's storage API (listdir, open, save), so the same code backs up the file system and an S3
bucket; they are streamed in chunks, never read whole. The database is dumped first and the files after it: a file
is written before the row naming it commits, so every file the dump refers to is in the backup.

Restore writes only into an empty database (one that has any table is refused: restoring over a live database mixes
old and new rows), checks the backup's checksums and the signing keys before it changes anything, and afterwards
compares the row count of every table, the migration state and every stored file's checksum with the manifest;
any difference is reported and the command fails.
"""
import datetime
import hashlib
import json
import os
import shutil
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.core.management.base import CommandError

from worksafe.core import backup_db

FORMAT = 1
KIND = "worksafe-backup"
MANIFEST = "manifest.json"
FILES = "files"
KEY, FALLBACKS = "secret_key", "secret_key_fallbacks"
CHUNK = 1024 * 1024
SECRET_WARNING = ("注意：备份目录含签名密钥（secret_key）和全部数据（含密码哈希、个人信息），属机密："
                  "只允许 root 和 worksafe 用户读取；复制到别处时加密保存。")


def sha256_of(opened):
    """(size, hex SHA-256) of an open binary file, read in chunks."""
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: opened.read(CHUNK), b""):
        digest.update(chunk)
        size += len(chunk)
    return size, digest.hexdigest()


def fingerprint(key):
    """What the manifest and messages show of a key: enough to compare two keys, useless for signing."""
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def git_commit():
    """The checked-out commit of the application folder, read from .git without running git."""
    git = Path(settings.BASE_DIR).parent / ".git"
    try:
        head = (git / "HEAD").read_text().strip()
        if not head.startswith("ref: "):
            return head
        ref = head[5:]
        if (git / ref).exists():
            return (git / ref).read_text().strip()
        for line in (git / "packed-refs").read_text().splitlines():
            if line.endswith(" " + ref):
                return line.split()[0]
    except OSError:
        pass
    return None


def app_version():
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("worksafe")
    except PackageNotFoundError:
        return None


# ---- uploaded files ----

def stored_names(storage, path=""):
    """Every file name in `storage`, depth first, in a stable order."""
    try:
        dirs, files = storage.listdir(path)
    except FileNotFoundError:  # a file system storage nothing was ever uploaded to
        return
    for name in sorted(files):
        yield f"{path}/{name}" if path else name
    for name in sorted(dirs):
        yield from stored_names(storage, f"{path}/{name}" if path else name)


def local_path(root, name):
    """Where the file stored as `name` lies under `root`; a name that would leave it (the manifest is data) is refused."""
    parts = PurePosixPath(name).parts
    if not parts or PurePosixPath(name).is_absolute() or any(p in ("..", ".", "") for p in parts):
        raise CommandError(f"清单中的文件名无效：{name}")
    return Path(root, *parts)


def back_up_files(storage, target, say):
    entries, total = [], 0
    for name in stored_names(storage):
        path = local_path(target, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        with storage.open(name, "rb") as src, open(path, "wb") as out:
            digest, size = hashlib.sha256(), 0
            for chunk in iter(lambda: src.read(CHUNK), b""):
                digest.update(chunk)
                out.write(chunk)
                size += len(chunk)
        entries.append({"name": name, "size": size, "sha256": digest.hexdigest()})
        total += size
        if len(entries) % 1000 == 0:
            say(f"  已复制 {len(entries)} 个文件……")
    return entries, total


def damaged_files(root, entries):
    """Names whose copy under `root` is missing or differs from the manifest."""
    damaged = []
    for entry in entries:
        path = local_path(root, entry["name"])
        try:
            with open(path, "rb") as f:
                if sha256_of(f) != (entry["size"], entry["sha256"]):
                    damaged.append(f"{entry['name']}（校验和与清单不符）")
        except FileNotFoundError:
            damaged.append(f"{entry['name']}（备份中缺少该文件）")
    return damaged


def restore_files(storage, root, entries, say):
    """Put each file back under its own name. A file already stored with the same content stays; one with other
    content is replaced (a storage never overwrites: the old one goes first)."""
    outcome = {"written": 0, "same": 0, "replaced": 0}
    for i, entry in enumerate(entries, 1):
        name = entry["name"]
        if storage.exists(name):
            with storage.open(name, "rb") as f:
                if sha256_of(f) == (entry["size"], entry["sha256"]):
                    outcome["same"] += 1
                    continue
            storage.delete(name)
            outcome["replaced"] += 1
        else:
            outcome["written"] += 1
        with open(local_path(root, name), "rb") as f:
            saved = storage.save(name, File(f, name=name))
        if saved != name:
            raise CommandError(f"文件 {name} 被存储另存为 {saved}：请检查存储配置后重新恢复")
        if i % 1000 == 0:
            say(f"  已恢复 {i} 个文件……")
    return outcome


def stored_differences(storage, entries):
    """Files of the manifest that the storage does not hold with the same content, read back from the storage."""
    differences = []
    for entry in entries:
        try:
            with storage.open(entry["name"], "rb") as f:
                if sha256_of(f) != (entry["size"], entry["sha256"]):
                    differences.append(f"文件 {entry['name']}：存储中的内容与清单的校验和不符")
        except FileNotFoundError:
            differences.append(f"文件 {entry['name']}：存储中没有")
    return differences


# ---- signing keys ----

def key_source():
    """(kind, path) of where settings read SECRET_KEY: the variable, the file it names, or the data directory."""
    if "WORKSAFE_SECRET_KEY_FILE" in os.environ:
        return "file", Path(os.environ["WORKSAFE_SECRET_KEY_FILE"])
    if os.environ.get("WORKSAFE_SECRET_KEY"):
        return "variable", None
    return "data_dir", Path(settings.DATA_DIR) / "secret_key"


def write_secret(path, text):
    """Create `path` readable by its owner only, from the first byte."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(text)


def back_up_keys(target):
    write_secret(target / KEY, settings.SECRET_KEY)
    if settings.SECRET_KEY_FALLBACKS:
        write_secret(target / FALLBACKS, ",".join(settings.SECRET_KEY_FALLBACKS))
    return {"secret_key": fingerprint(settings.SECRET_KEY), "fallbacks": [fingerprint(k) for k in settings.SECRET_KEY_FALLBACKS],
            "source": key_source()[0]}


def read_keys(root, recorded):
    try:
        key = (root / KEY).read_text().strip()
        fallbacks = (root / FALLBACKS).read_text().strip().split(",") if recorded["fallbacks"] else []
    except OSError as e:
        raise CommandError(f"无法读取备份中的密钥文件：{e}") from None
    if fingerprint(key) != recorded["secret_key"] or [fingerprint(k) for k in fallbacks] != recorded["fallbacks"]:
        raise CommandError(f"备份中的密钥文件与清单记录的指纹不符（{root / KEY}）：备份已损坏或被改动，未做任何改动")
    return key, fallbacks


def key_plan(root, recorded, replace):
    """What restoring the keys needs, decided before anything changes: None when the running settings already
    accept every key of the backup, else (data-directory key file, key) to write. Refuses, saying which variable or
    file to set, when the key comes from the environment or a different key already lives in the data directory."""
    key, fallbacks = read_keys(root, recorded)
    if {key, *fallbacks} <= {settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS}:
        return None
    kind, path = key_source()
    current, ours = fingerprint(settings.SECRET_KEY), f"备份中的密钥（指纹 {fingerprint(key)}）"
    unchanged = "未做任何改动。"
    if key != settings.SECRET_KEY and key not in settings.SECRET_KEY_FALLBACKS:
        if kind == "variable":
            raise CommandError(f"当前签名密钥来自环境变量 WORKSAFE_SECRET_KEY（指纹 {current}），与{ours}不同：恢复后已打印的二维码牌"
                               f"都会显示“二维码无效”。请把 WORKSAFE_SECRET_KEY 设为 {root / KEY} 的内容（或改用 "
                               f"WORKSAFE_SECRET_KEY_FILE 指向该文件的副本），再重新运行恢复。{unchanged}")
        if kind == "file":
            raise CommandError(f"当前签名密钥来自 WORKSAFE_SECRET_KEY_FILE={path}（指纹 {current}），与{ours}不同：恢复后已打印的"
                               f"二维码牌都会显示“二维码无效”。请用 {root / KEY} 替换 {path}（属主 root、组 worksafe、权限 0640），"
                               f"再重新运行恢复。{unchanged}")
        if not (settings.SECRET_KEY_GENERATED or replace):
            raise CommandError(f"数据目录中已有另一个签名密钥 {path}（指纹 {current}），与{ours}不同。若该密钥从未用过（新装的站点），"
                               "加 --replace-key 用备份中的密钥替换它（原文件改名保留）；若它已签发过二维码牌，替换后请把它加入 "
                               f"WORKSAFE_SECRET_KEY_FALLBACKS。{unchanged}")
    missing = [k for k in fallbacks if k not in settings.SECRET_KEY_FALLBACKS and k != key]
    if missing:
        raise CommandError(f"备份时另有 {len(fallbacks)} 个旧密钥（WORKSAFE_SECRET_KEY_FALLBACKS），当前设置缺少其中 {len(missing)} 个，"
                           f"用它们签名的二维码牌恢复后会显示“二维码无效”：请在环境文件中把 WORKSAFE_SECRET_KEY_FALLBACKS 设为 "
                           f"{root / FALLBACKS} 的内容，再重新运行恢复。{unchanged}")
    return path, key


def restore_key(plan, say):
    path, key = plan
    if path.exists() and not settings.SECRET_KEY_GENERATED:
        kept = path.with_name(f"{path.name}.replaced-{datetime.datetime.now():%Y%m%d%H%M%S}")
        path.rename(kept)
        say(f"  原密钥已改名为 {kept}（若它签发过二维码牌，请把其内容加入 WORKSAFE_SECRET_KEY_FALLBACKS）")
    else:
        path.unlink(missing_ok=True)  # generated by this very command: nothing was signed with it
    write_secret(path, key)
    say(f"  签名密钥已写入 {path}（权限 0600）")


# ---- backup ----

def check_target(target):
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise CommandError(f"备份目录 {target} 已存在且不是空目录：备份只写入新目录，请另指定一个")


def backup(target, say, keep=None):
    target = Path(target).absolute()
    check_target(target)
    created = not target.exists()
    target.mkdir(mode=0o700, parents=True, exist_ok=True)
    target.chmod(0o700)
    try:
        manifest = write_backup(target, say)
    except BaseException:  # an interrupted backup must not look like one: leave nothing behind
        if created:
            shutil.rmtree(target, ignore_errors=True)
        else:
            for child in target.iterdir():
                shutil.rmtree(child) if child.is_dir() else child.unlink()
        raise
    say(f"备份完成：{target}（{len(manifest['tables'])} 张表，{sum(manifest['tables'].values())} 行，{len(manifest['files'])} 个文件）")
    say(SECRET_WARNING)
    if keep:
        prune(target.parent, keep, say)
    return manifest


def write_backup(target, say):
    engine = backup_db.for_connection()
    created_at = datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")
    say(f"[1/4] 数据库：{engine.describe()}……")
    dump = target / engine.file
    database, tables, migrations, roles = engine.dump(dump)
    dump.chmod(0o600)
    with open(dump, "rb") as f:
        size, digest = sha256_of(f)
    database.update(vendor=engine.vendor, file=engine.file, size=size, sha256=digest)
    say(f"  {len(tables)} 张表，{sum(tables.values())} 行，{size / 1e6:.1f} MB" + (f"；数据库角色 {len(roles)} 个" if roles else ""))
    say("[2/4] 上传文件……")
    files, total = back_up_files(default_storage, target / FILES, say)
    say(f"  {len(files)} 个文件，{total / 1e6:.1f} MB")
    say("[3/4] 签名密钥……")
    keys = back_up_keys(target)
    say(f"  {target / KEY}" + (f"，另有 {len(keys['fallbacks'])} 个旧密钥：{target / FALLBACKS}" if keys["fallbacks"] else "") + "（权限 0600）")
    manifest = {"kind": KIND, "format": FORMAT, "created_at": created_at,
                "app": {"version": app_version(), "commit": git_commit()},
                "database": database, "migrations": migrations, "tables": tables, "roles": roles, "keys": keys,
                "files": files}
    say(f"[4/4] 清单 {target / MANIFEST}")
    partial = target / (MANIFEST + ".partial")
    partial.write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
    partial.chmod(0o600)
    partial.rename(target / MANIFEST)
    return manifest


def read_manifest(root):
    try:
        manifest = json.loads((Path(root) / MANIFEST).read_text())
    except FileNotFoundError:
        raise CommandError(f"{root} 中没有 {MANIFEST}：不是备份目录，或备份未完成（中断的备份不能恢复）") from None
    except (OSError, ValueError) as e:
        raise CommandError(f"无法读取备份清单 {Path(root) / MANIFEST}：{e}") from None
    if manifest.get("kind") != KIND or manifest.get("format") != FORMAT:
        raise CommandError(f"{Path(root) / MANIFEST} 不是本版本能读取的备份清单（格式 {manifest.get('format')}，本版本读取格式 {FORMAT}）")
    return manifest


def prune(parent, keep, say):
    """Delete all but the newest `keep` complete backups in `parent`; only directories with our manifest are touched."""
    found = []
    for path in parent.iterdir():
        try:
            found.append((read_manifest(path)["created_at"], path))
        except CommandError:
            continue
    for _, path in sorted(found, reverse=True)[keep:]:
        shutil.rmtree(path)
        say(f"已删除旧备份 {path}（保留最新 {keep} 份）")


# ---- restore ----

def restore(source, say, replace_key=False):
    root = Path(source).absolute()
    manifest = read_manifest(root)
    engine = backup_db.for_connection()
    database = manifest["database"]
    say(f"备份：{manifest['created_at']}，版本 {manifest['app']['version']}（提交 {manifest['app']['commit'] or '未知'}），"
        f"{database['vendor']}，{len(manifest['tables'])} 张表，{len(manifest['files'])} 个文件")
    say("[1/6] 检查备份和目标……")
    if database["vendor"] != engine.vendor:
        raise CommandError(f"备份来自 {database['vendor']} 数据库，不能恢复到 {engine.label}（WORKSAFE_DATABASE_URL）。未做任何改动。")
    occupied = engine.occupied()
    if occupied:
        raise CommandError(f"目标数据库不是空的（已有 {len(occupied)} 张表或其他对象，如 {'、'.join(occupied[:3])}）。"
                           f"恢复只写入新建的空数据库，以免新旧数据混在一起：{engine.refusal_hint()}。未做任何改动。")
    damaged = damaged_files(root / FILES, manifest["files"])
    with open(root / database["file"], "rb") as f:
        if sha256_of(f) != (database["size"], database["sha256"]):
            damaged.insert(0, f"{database['file']}（数据库备份的校验和与清单不符）")
    if damaged:
        raise CommandError(f"备份已损坏或被改动，{len(damaged)} 处与清单不符：\n  " + "\n  ".join(damaged[:50])
                           + "\n未做任何改动。请用另一份备份。")
    plan = key_plan(root, manifest["keys"], replace_key)
    engine.check_tools(database)
    say(f"  备份完整；目标为空：{engine.describe()}")
    say("[2/6] 数据库……")
    engine.restore(root / database["file"], database)
    say("[3/6] 上传文件……")
    outcome = restore_files(default_storage, root / FILES, manifest["files"], say)
    say(f"  新写入 {outcome['written']} 个，已存在且相同 {outcome['same']} 个，内容不同已替换 {outcome['replaced']} 个")
    say("[4/6] 签名密钥……")
    if plan:
        restore_key(plan, say)
    else:
        say("  当前设置已接受备份中的全部密钥，无需改动")
    say("[5/6] 数据库角色……")
    problems = engine.recreate_roles(manifest["roles"], say)
    if not manifest["roles"]:
        say("  无")
    engine.analyze(say)
    say("[6/6] 校验……")
    differences = verify(engine, manifest)
    for line in problems:
        say("待办：" + line)
    if differences:
        raise CommandError(f"恢复后与备份清单不一致，{len(differences)} 处：\n  " + "\n  ".join(differences[:100])
                           + "\n不要使用这个数据库：删除它，新建空数据库后用另一份备份重新恢复。")
    say(f"  {len(manifest['tables'])} 张表的行数、迁移状态和 {len(manifest['files'])} 个文件的校验和都与清单一致")
    for line in migration_notes(manifest):
        say(line)
    say("恢复完成。")


def verify(engine, manifest):
    counts, migrations = engine.state()
    differences = [f"表 {t}：备份 {manifest['tables'].get(t, '无此表')} 行，恢复后 {counts.get(t, '无此表')} 行"
                   for t in sorted(set(counts) | set(manifest["tables"])) if counts.get(t) != manifest["tables"].get(t)]
    if migrations != manifest["migrations"]:
        differences.append(f"迁移状态：备份 {manifest['migrations']}，恢复后 {migrations}")
    return differences + stored_differences(default_storage, manifest["files"])


def migration_notes(manifest):
    """How the restored migration state compares with this code's migrations."""
    from django.db.migrations.loader import MigrationLoader

    loader = MigrationLoader(None, ignore_no_migrations=True)
    on_disk = {}
    for app, name in loader.disk_migrations:
        on_disk[app] = max(on_disk.get(app, name), name)
    newer = [f"{app} {name}" for app, name in sorted(on_disk.items()) if name > manifest["migrations"].get(app, "")]
    unknown = [f"{app} {name}" for app, name in manifest["migrations"].items() if app in on_disk and name > on_disk[app]]
    commit = manifest["app"]["commit"] or "备份时的版本"
    notes = []
    if newer:
        notes.append(f"当前代码有备份之后的迁移（{'，'.join(newer)}）：回滚时检出备份时的版本（提交 {commit}）即可使用，"
                     "不要运行 migrate；若要在当前版本上使用这份数据，运行 worksafe-admin migrate。")
    if unknown:
        notes.append(f"备份来自比当前代码新的版本（{'，'.join(unknown)}）：请检出提交 {commit} 后再启动站点。")
    return notes
