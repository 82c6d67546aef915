"""Environment files read exactly as systemd's `EnvironmentFile=` reads them.

The service gets its settings from /etc/worksafe/worksafe.env through systemd; `worksafe-admin` (deploy/) runs the
management commands with the same file through `WORKSAFE_ENV_FILE` (worksafe/cli.py). Both must see the same values,
so this is not a shell or dotenv parser: it is the state machine of systemd's `parse_env_file_internal()`
(src/basic/env-file.c) and the checks `load_env_file()` and `strv_env_clean()` apply after it, as documented in
systemd.exec(5) for systemd 252 (Debian 12). What differs from a shell, and bit the first deployment:

- an inline `# …` is part of the value (`A=x # y` is "x # y"); only a line whose first non-blank character is `#`
  or `;` is a comment;
- whitespace around the key and the leading whitespace of a value are dropped; interior whitespace is kept, trailing
  whitespace of an unquoted value is dropped;
- '…' takes everything verbatim up to the next quote (newlines too); "…" unescapes \\ \\" \\` \\$ and a
  backslash-newline, and keeps the backslash before anything else; unquoted, a backslash keeps the next character,
  and a backslash-newline continues the line. Quoted and unquoted parts after one another are joined;
- a line without "=" is ignored, and so is an assignment whose name is not [A-Za-z_][A-Za-z0-9_]*; the last
  assignment of a name wins; no $VARIABLE expansion;
- invalid UTF-8 in a name or value makes systemd refuse the whole file (the service does not start): so do we.

One case is refused here although systemd accepts it: a comment line ending in a backslash. systemd up to 253
(Debian 12 ships 252) continues the comment onto the next line, 254 and later do not, so the next line's variable
would be set by one and not by the other.
"""
import errno
import re

COMMENTS, WHITESPACE, NEWLINE = "#;", " \t\n\r", "\n\r"
DOUBLE_QUOTE_ESCAPES = '"\\`$'
NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def ownership(path):
    """Who may read the deployment's env and secret files (docs/deploy.md): root writes them, the service user reads
    them, nobody else does."""
    return f"属主 root、属组 worksafe、权限 0640（chown root:worksafe {path} && chmod 0640 {path}）"


def why(error: OSError):
    """An OSError's cause in Chinese."""
    return {errno.ENOENT: "文件不存在", errno.EACCES: "权限不足", errno.EPERM: "权限不足",
            errno.EISDIR: "这是一个目录"}.get(error.errno, error.strerror or str(error))


class EnvFileError(ValueError):
    pass


def load(path):
    """The variables of the env file at `path` as systemd would set them; OSError if it cannot be read."""
    with open(path, "rb") as f:
        data = f.read()
    return parse(data.decode("utf-8", "surrogateescape"), name=str(path))


def parse(text, name="<env>"):
    """The variables assigned in `text` (a dict, in file order)."""
    values = {}
    for line, key, value in _assignments(text.split("\0", 1)[0], name):
        if _has_invalid_utf8(key) or _has_invalid_utf8(value):
            raise EnvFileError(f"{name} 第 {line} 行：不是有效的 UTF-8 文本（systemd 会因此拒绝整个文件，服务无法启动）。"
                               "请以 UTF-8 编码保存该文件。")
        if NAME.match(key):
            values[key] = value  # a later assignment wins
    return values


def _has_invalid_utf8(s):
    return any("\udc80" <= c <= "\udcff" for c in s)


def _assignments(text, name):  # noqa: C901 - one state machine, kept in the shape of systemd's for comparison
    """Yield (line, key, value) in file order: parse_env_file_internal() of systemd's env-file.c."""
    state, key, value = "pre_key", [], []
    key_end = value_end = None  # where trailing whitespace of the key / the unquoted value starts
    line = 1

    def pushed(trim_value):
        k = "".join(key[:key_end])
        v = "".join(value[:value_end] if trim_value else value)
        return line, k, v

    for c in text:
        if state == "pre_key":
            if c in COMMENTS:
                state = "comment"
            elif c not in WHITESPACE:
                state, key, key_end = "key", [c], None
        elif state == "key":
            if c in NEWLINE:
                state, key = "pre_key", []
            elif c == "=":
                state, value, value_end = "pre_value", [], None
            else:
                if c not in WHITESPACE:
                    key_end = None
                elif key_end is None:
                    key_end = len(key)
                key.append(c)
        elif state == "pre_value":
            if c in NEWLINE:
                yield pushed(False)
                state, key = "pre_key", []
            elif c == "'":
                state = "single"
            elif c == '"':
                state = "double"
            elif c == "\\":
                state = "value_escape"
            elif c not in WHITESPACE:
                state = "value"
                value.append(c)
        elif state == "value":
            if c in NEWLINE:
                yield pushed(True)
                state, key = "pre_key", []
            elif c == "\\":
                state, value_end = "value_escape", None
            else:
                if c not in WHITESPACE:
                    value_end = None
                elif value_end is None:
                    value_end = len(value)
                value.append(c)
        elif state == "value_escape":
            state = "value"
            if c not in NEWLINE:  # a backslash-newline continues the line
                value.append(c)
        elif state == "single":
            if c == "'":
                state = "pre_value"
            else:
                value.append(c)
        elif state == "double":
            if c == '"':
                state = "pre_value"
            elif c == "\\":
                state = "double_escape"
            else:
                value.append(c)
        elif state == "double_escape":
            state = "double"
            if c in DOUBLE_QUOTE_ESCAPES:
                value.append(c)
            elif c != "\n":
                value.extend(("\\", c))
        elif state == "comment":
            if c == "\\":
                state = "comment_escape"
            elif c in NEWLINE:
                state = "pre_key"
        elif state == "comment_escape":
            if c in NEWLINE:
                raise EnvFileError(f"{name} 第 {line} 行：注释行以反斜杠结尾。不同版本的 systemd 对下一行的解释不同"
                                   "（253 及以前把它也当作注释），请删除行尾的反斜杠。")
            state = "comment"
        if c == "\n":
            line += 1
    if state in ("pre_value", "value", "value_escape", "single", "double", "double_escape"):
        yield pushed(state == "value")
