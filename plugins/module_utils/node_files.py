# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Managed files of a node: compare wanted files with the host, write the differing ones atomically.

Used by the module seed.kubeadm.node_state. Standard library only. A wanted file is a dict:

- ``path``: absolute path;
- ``content``: the whole file, or with ``marker`` the lines of a managed block inside the file;
- ``copy_from``: instead of ``content``, the path of a file on the host to copy;
- ``variants`` + ``version_of``: instead of ``content``, one content per version range of a program
  (``[{min_version: "2.1", content: ...}, {content: ...}]``, the first that matches wins);
- ``marker``: block marker line, ``{mark}`` standing for BEGIN or END; ``insert_before``: regex of
  the line a new block goes before (else at the end);
- ``state``: present or absent (absent removes the file, or with ``marker`` the block);
- ``mode``, ``owner``, ``group``: wanted attributes (None: 0644 for a whole file, unchanged for a
  block; owner and group unchanged);
- ``restart``: names reported when the content changes; ``diff``: False hides the content in diffs.

Writes go to a temporary file in the target directory that is created with mode 0600, written,
given its owner and mode and only then renamed over the target, so the target never exists with
partial content nor with wider permissions than wanted. A target that cannot be replaced by rename
(a bind mount such as /etc/hosts in a container: EBUSY) is rewritten in place after its mode and
owner have been set.
"""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import errno
import glob
import grp
import os
import pwd
import re
import stat
import tempfile

VERSION_RE = re.compile(r"(?:^|[\s/])v?(\d+)\.(\d+)(?:\.(\d+))?")


class FileError(Exception):
    """A wanted file that cannot be planned or written (bad mode, unknown owner, I/O error)."""


def read_bytes(path):
    """The file's bytes, None when it does not exist (or is not a regular file)."""
    try:
        with open(path, "rb") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def parse_mode(value):
    """Permission bits from an octal string ("0644", "644") or an int; None stays None."""
    if value is None or value == "":
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        mode = value
    else:
        text = str(value).strip()
        if text.startswith("0o"):
            text = text[2:]
        if not re.match(r"^[0-7]{3,4}$", text):
            raise FileError("mode must be an octal number such as 0644, got %r" % (value,))
        mode = int(text, 8)
    if mode < 0 or mode > 0o7777:
        raise FileError("mode out of range: %r" % (value,))
    return mode


def _resolve_id(value, lookup, kind):
    """The number of a user or group given by name or number; None (unchanged) when empty."""
    if value is None or value == "":
        return None
    text = str(value)
    if text.isdigit():
        return int(text)
    try:
        return lookup(text)
    except KeyError:
        raise FileError("unknown %s %s" % (kind, text))


def resolve_uid(owner):
    """uid of a user name or number; None (unchanged) for an empty owner."""
    return _resolve_id(owner, lambda name: pwd.getpwnam(name).pw_uid, "user")


def resolve_gid(group):
    """gid of a group name or number; None (unchanged) for an empty group."""
    return _resolve_id(group, lambda name: grp.getgrnam(name).gr_gid, "group")


def version_tuple(text):
    """(major, minor, patch) of the first version number in a --version output, None without one."""
    match = VERSION_RE.search(text or "")
    if not match:
        return None
    return tuple(int(part or 0) for part in match.groups())


def choose_variant(variants, version_text):
    """Content of the first variant whose min_version the program's version reaches.

    A variant without min_version matches any version (also one that cannot be parsed).
    """
    found = version_tuple(version_text)
    for variant in variants or []:
        minimum = variant.get("min_version")
        if minimum in (None, ""):
            return variant.get("content") or ""
        wanted = version_tuple(str(minimum)) or version_tuple(str(minimum) + ".0")
        if wanted is None:
            raise FileError("min_version must look like 2.1 or 2.1.0, got %r" % (minimum,))
        if found is not None and found >= wanted:
            return variant.get("content") or ""
    raise FileError("no variant matches version %r" % (version_text,))


def marker_lines(marker):
    return marker.replace("{mark}", "BEGIN"), marker.replace("{mark}", "END")


def render_block(old_text, marker, block, insert_before=None, present=True):
    """old_text with the managed block set to ``block`` (or removed), like blockinfile.

    An empty block removes the block. A new block goes before the first line matching
    ``insert_before`` (a regex), else at the end. Returns old_text itself when nothing changes.
    """
    begin, end = marker_lines(marker)
    lines = old_text.splitlines() if old_text else []
    block_lines = (block or "").rstrip("\n").split("\n") if (block or "").strip("\n") else []
    present = present and bool(block_lines)
    start = lines.index(begin) if begin in lines else None
    stop = None
    if start is not None:
        stop = next((i for i in range(start + 1, len(lines)) if lines[i] == end), None)
    new = list(lines)
    wanted = [begin] + block_lines + [end] if present else []
    if start is not None and stop is not None:
        new[start:stop + 1] = wanted
    elif start is not None:
        # A BEGIN line without END: the block runs to the end of the file, as blockinfile reads it.
        new[start:] = wanted
    elif present:
        position = len(new)
        if insert_before:
            pattern = re.compile(insert_before)
            position = next((i for i, line in enumerate(new) if pattern.search(line)), len(new))
        new[position:position] = wanted
    if new == lines:
        return old_text if old_text is not None else ""
    return "\n".join(new) + "\n" if new else ""


def plan(item, version_text=None, existing=None):
    """What to do with one wanted file: dict(path, action, before, after, mode, uid, gid).

    action: ``none``, ``write`` (content differs or file missing), ``attributes`` (same content,
    other mode or owner), ``remove`` (file to delete) or ``defer`` (version_of program missing).
    ``existing``: (bytes or None, os.stat_result or None) of the path; read from disk when None.
    """
    path = item["path"]
    if existing is None:
        data = read_bytes(path)
        try:
            info = os.stat(path) if data is not None else None
        except OSError:
            info = None
    else:
        data, info = existing
    before = data.decode("utf-8", "replace") if data is not None else None
    marker = item.get("marker")
    state = item.get("state") or "present"
    result = {"path": path, "action": "none", "before": before, "after": before, "mode": None, "uid": None, "gid": None,
              "restart": list(item.get("restart") or []), "diff": item.get("diff", True) is not False}

    if state == "absent":
        if marker:
            after = render_block(before, marker, "", present=False) if before is not None else None
            if after != before:
                result.update(action="write", after=after, mode=info and stat.S_IMODE(info.st_mode))
        elif data is not None:
            result.update(action="remove", after=None)
        return result

    if item.get("variants"):
        if version_text is None:
            result["action"] = "defer"
            return result
        content = choose_variant(item["variants"], version_text)
    elif item.get("copy_from"):
        source = read_bytes(item["copy_from"])
        if source is None:
            raise FileError("%s: the file to copy, %s, does not exist" % (path, item["copy_from"]))
        content = source.decode("utf-8", "replace")
    else:
        content = item.get("content")
        if content is None:
            raise FileError("%s: content or variants is required" % path)

    mode = parse_mode(item.get("mode"))
    if mode is None and (not marker or info is None):
        mode = 0o644
    uid, gid = resolve_uid(item.get("owner")), resolve_gid(item.get("group"))
    if marker:
        after = render_block(before, marker, content, item.get("insert_before"))
    else:
        after = content
    result.update(after=after, mode=mode, uid=uid, gid=gid)
    if data is None or after != before:
        result["action"] = "write"
    elif info is not None and ((mode is not None and stat.S_IMODE(info.st_mode) != mode)
                               or (uid is not None and info.st_uid != uid) or (gid is not None and info.st_gid != gid)):
        result["action"] = "attributes"
    return result


def _ensure_directory(directory):
    """Missing directories up to ``directory``, each 0755 whatever the umask (makedirs gives the
    intermediate ones 0777 minus the umask)."""
    if directory and not os.path.isdir(directory):
        _ensure_directory(os.path.dirname(directory))
        try:
            os.mkdir(directory, 0o700)
        except OSError as exc:
            if exc.errno == errno.EEXIST and os.path.isdir(directory):  # made meanwhile by another writer
                return
            raise
        os.chmod(directory, 0o755)


def write_atomic(path, data, mode=None, uid=None, gid=None, context_hook=None):
    """Write ``data`` (bytes) to ``path`` through a 0600 temporary file and a rename.

    ``mode`` None keeps the mode of an existing file (0644 for a new one); ``uid``/``gid`` None keep
    the existing owner (the current user for a new file). ``context_hook(tmp_path, path)`` may set
    the SELinux context of the temporary file before the rename.
    """
    directory = os.path.dirname(path) or "."
    _ensure_directory(directory)
    try:
        current = os.stat(path)
    except OSError:
        current = None
    if mode is None:
        mode = stat.S_IMODE(current.st_mode) if current else 0o644
    if current is not None:
        uid = current.st_uid if uid is None else uid
        gid = current.st_gid if gid is None else gid
    fd, tmp = tempfile.mkstemp(prefix=".%s." % os.path.basename(path), suffix=".tmp", dir=directory)
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            _chown(fd, uid, gid)
            os.fchmod(fd, mode)
            os.fsync(fd)
        finally:
            os.close(fd)
        if context_hook is not None:
            context_hook(tmp, path)
        try:
            os.rename(tmp, path)
        except OSError as exc:
            if exc.errno not in (errno.EBUSY, errno.EXDEV):
                raise
            _write_in_place(path, data, mode, uid, gid)
    finally:
        if os.path.lexists(tmp):
            os.unlink(tmp)


def _write_in_place(path, data, mode, uid, gid):
    """Rewrite a file that cannot be replaced (a bind mount): attributes first, then the content."""
    set_attributes(path, mode, uid, gid)
    with open(path, "r+b") as handle:
        handle.write(data)
        handle.truncate()
        handle.flush()
        os.fsync(handle.fileno())


def _chown(target, uid, gid):
    """Owner and group of a path or an open file descriptor; None keeps the current one."""
    if uid is not None or gid is not None:
        os.chown(target, -1 if uid is None else uid, -1 if gid is None else gid)


def set_attributes(path, mode=None, uid=None, gid=None):
    """Owner first (chown may clear set-id bits), then the mode."""
    _chown(path, uid, gid)
    if mode is not None:
        os.chmod(path, mode)


def remove(path, prune_directory=False):
    """Delete a file; with prune_directory also its directory when that is left empty."""
    try:
        os.unlink(path)
    except OSError as exc:
        if exc.errno != errno.ENOENT:
            raise
    if prune_directory:
        try:
            os.rmdir(os.path.dirname(path))
        except OSError:
            pass


def directory_differs(path, mode, uid=None, gid=None):
    """Whether ``path`` is missing, not a directory, or has another mode or owner than wanted."""
    try:
        info = os.stat(path)
    except OSError:
        return True
    if not stat.S_ISDIR(info.st_mode):
        return True
    return (stat.S_IMODE(info.st_mode) != mode or (uid is not None and info.st_uid != uid)
            or (gid is not None and info.st_gid != gid))


def ensure_directory(path, mode, uid=None, gid=None):
    """Create ``path`` (missing parents 0755) and give it ``mode`` and the owner; a file in the way is an error."""
    if os.path.lexists(path) and not os.path.isdir(path):
        raise FileError("%s exists and is not a directory" % path)
    _ensure_directory(os.path.dirname(path))
    if not os.path.isdir(path):
        os.mkdir(path, 0o700)
    set_attributes(path, mode, uid, gid)


def files_with_line(pattern, regex, exclude=()):
    """Regular files matched by the glob ``pattern`` (but not in ``exclude``) with a line matching ``regex``, sorted."""
    line = re.compile(regex, re.MULTILINE)
    skip = set(exclude or ())
    found = []
    for path in sorted(glob.glob(pattern)):
        if path in skip or not os.path.isfile(path):
            continue
        data = read_bytes(path)
        if data is not None and line.search(data.decode("utf-8", "replace")):
            found.append(path)
    return found


def stale(rules, keep):
    """Files matched by a rule's glob whose content holds its marker and that are not in ``keep``.

    Returns [(path, rule)] sorted by path.
    """
    keep = set(keep)
    found = {}
    for rule in rules or []:
        marker = rule.get("marker") or ""
        if not rule.get("glob") or not marker:
            continue
        for path in glob.glob(rule["glob"]):
            if path in keep or path in found or not os.path.isfile(path):
                continue
            data = read_bytes(path)
            if data is not None and marker.encode("utf-8") in data:
                found[path] = rule
    return sorted(found.items())
