# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Running kubeadm from the modules of seed.kubeadm.

Finds the kubeadm binary, runs it with a stable locale, turns a non-zero exit into KubeadmError
carrying kubeadm's own error text, and holds the small parsers the modules share (Go durations,
kubeadm's stream of JSON objects, RFC 3339 times) and the secret handling around exit_json.
"""

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

import datetime
import json
import os
import re

DEFAULT_KUBECONFIG = '/etc/kubernetes/admin.conf'
# Where kubeadm lands when it is not on the PATH Ansible runs modules with.
KUBEADM_DIRS = ['/usr/local/bin', '/usr/bin', '/opt/bin']
NO_LOG_PLACEHOLDER = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'

_STACK_TRACE_HINT = re.compile(r'^To see the stack trace of this error execute with --v=5 or higher\s*$', re.MULTILINE)


class KubeadmError(Exception):
    """kubeadm exited non-zero; ``str()`` is a one-paragraph message with kubeadm's stderr."""

    def __init__(self, msg, rc=None, stdout='', stderr=''):
        super(KubeadmError, self).__init__(msg)
        self.msg = msg
        self.rc = rc
        self.stdout = stdout
        self.stderr = stderr

    def fail_kwargs(self):
        return {'msg': self.msg, 'rc': self.rc, 'stdout': self.stdout, 'stderr': self.stderr}


def find_kubeadm(module, kubeadm_path=None):
    """Path of the kubeadm binary, or fail_json naming the kubeadm_path option."""
    if kubeadm_path:
        if os.path.isfile(kubeadm_path) and os.access(kubeadm_path, os.X_OK):
            return kubeadm_path
        module.fail_json(msg='kubeadm_path=%s is not an executable file; install kubeadm or fix '
                             'kubeadm_path' % kubeadm_path)
    found = module.get_bin_path('kubeadm', opt_dirs=KUBEADM_DIRS)
    if not found:
        module.fail_json(msg='kubeadm was not found on PATH nor in %s; install kubeadm or set '
                             'kubeadm_path' % ', '.join(KUBEADM_DIRS))
    return found


class Kubeadm(object):
    """Runs one kubeadm binary for a module."""

    def __init__(self, module, kubeadm_path=None):
        self.module = module
        self.path = find_kubeadm(module, kubeadm_path)

    def run(self, args, what=None, progress=None):
        """Run ``kubeadm <args>`` and return stdout; raise KubeadmError when rc != 0.

        ``what`` names the command in messages (default: the leading words of args) so that
        secret arguments never reach an error text. Secrets must also be registered in
        module.no_log_values before calling, which masks them in every logged or returned text.
        With ``progress`` (a file path), kubeadm's output is also appended there line by line as it
        comes, tokens and certificate keys masked (see stream_progress).
        """
        if what is None:
            words = []
            for arg in args:
                if arg.startswith('-'):
                    break
                words.append(arg)
            what = ' '.join(['kubeadm'] + words[:3])
        if progress:
            rc, stdout, stderr = stream_progress([self.path] + list(args), progress,
                                                 header='$ %s' % what)
        else:
            rc, stdout, stderr = self.module.run_command(
                [self.path] + list(args), environ_update={'LC_ALL': 'C', 'LANG': 'C'})
        if rc != 0:
            detail = _STACK_TRACE_HINT.sub('', stderr or stdout or '').strip() or 'no output'
            raise KubeadmError('%s failed (rc=%s): %s' % (what, rc, detail), rc=rc, stdout=stdout, stderr=stderr)
        return stdout


def open_progress(path, truncate=False):
    """The progress file ``path`` opened for appending (emptied first with ``truncate``), created
    0600 in a 0700 directory."""
    directory = os.path.dirname(path)
    if directory and not os.path.isdir(directory):
        os.makedirs(directory, 0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if truncate else os.O_APPEND), 0o600)
    os.fchmod(fd, 0o600)
    return os.fdopen(fd, 'a')


def stream_progress(argv, path, header=None):
    """Run ``argv`` with a C locale; (rc, stdout, stderr) as run_command gives them.

    Every line kubeadm writes, on either stream, is appended to the progress file ``path`` when
    it comes, with tokens and certificate keys masked, so that a controller can show the phase
    kubeadm is in (``[wait-control-plane] ...``) while it runs (action seed.kubeadm.kubeadm_init).
    """
    import subprocess
    import threading
    env = dict(os.environ, LC_ALL='C', LANG='C')
    lock = threading.Lock()
    with open_progress(path) as log:
        if header:
            log.write(redact(header) + '\n')
            log.flush()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        chunks = {'out': [], 'err': []}

        def pump(stream, key):
            for raw in iter(stream.readline, b''):
                line = raw.decode('utf-8', 'replace')
                chunks[key].append(line)
                with lock:
                    log.write(redact(line.rstrip('\n')) + '\n')
                    log.flush()
            stream.close()

        readers = [threading.Thread(target=pump, args=(proc.stdout, 'out')),
                   threading.Thread(target=pump, args=(proc.stderr, 'err'))]
        for reader in readers:
            reader.daemon = True
            reader.start()
        rc = proc.wait()
        for reader in readers:
            reader.join()
        log.write('# exit status %s\n' % rc)
    return rc, ''.join(chunks['out']), ''.join(chunks['err'])


def result_path(progress):
    """Where a module detached with ``detach`` leaves its JSON result: next to its progress file."""
    return progress + '.result'


def running_group(progress):
    """The process group of a detached run of this progress file that is still alive, or None.

    A detached kubeadm goes on when the controller's run is killed (Ctrl-C, a lost SSH session);
    the next run must not reset or start kubeadm under it.
    """
    try:
        with open(progress + '.pid') as handle:
            group = int(handle.read().strip())
        os.killpg(group, 0)
    except (IOError, OSError, ValueError):
        return None
    return group


def refuse_if_running(module, progress, what):
    """fail_json when a detached run of ``progress`` from an earlier run is still alive."""
    group = running_group(progress)
    if group is not None:
        module.fail_json(msg='%s started by an earlier run is still running on this host (process group %d, its '
                             'output in %s); wait for it to end, or stop it with kill -s TERM -- -%d, then run again'
                             % (what, group, progress, group))


def detach(module, progress):
    """Go on with this module in a detached process; the module's own process exits at once.

    The calling process reports ``started`` with the process group of the detached one (the
    action seed.kubeadm.kubeadm_init stops it there on timeout). The detached process runs the
    rest of the module with stdin and stderr on /dev/null and stdout on a private file, so the
    JSON of its exit_json/fail_json lands in ``result_path(progress)`` (0600) when it ends; the
    file appears under its final name only once complete. SIGTERM ends it through SystemExit,
    so that private configuration files of the run are still removed.
    """
    import atexit
    import signal
    import sys
    final = result_path(progress)
    partial = final + '.tmp'
    for path in (final, partial):
        if os.path.exists(path):
            os.unlink(path)
    sys.stdout.flush()
    sys.stderr.flush()
    child = os.fork()
    if child:
        os.waitpid(child, 0)
        module.exit_json(changed=True, started=True, pid=child, result_file=final)
    # A SIGTERM sent to the group as soon as the caller has reported it waits until the handler below
    # is in place (it would otherwise kill the process before it can clean up).
    stopping = set([signal.SIGTERM, signal.SIGHUP])
    signal.pthread_sigmask(signal.SIG_BLOCK, stopping)
    os.setsid()
    group = os.getpgid(0)
    if os.fork():
        os._exit(0)  # pylint: disable=protected-access
    os.chdir('/')
    marker = progress + '.pid'
    fd = os.open(marker, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.write(fd, ('%d\n' % group).encode('ascii'))
    os.close(fd)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 0)
    os.dup2(devnull, 2)
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 1)
    os.close(fd)

    def publish():
        sys.stdout.flush()
        if os.path.getsize(partial):
            os.rename(partial, final)
        else:  # stopped before it had a result: nothing for the action to read
            os.unlink(partial)
        if os.path.exists(marker):
            os.unlink(marker)

    atexit.register(publish)

    def record(result):
        # The module's code came from a payload file that is gone once the calling process has
        # returned: write the result with what is loaded already (plain JSON).
        sys.stdout.write('\n%s\n' % json.dumps(result, default=str))

    module._record_module_result = record  # pylint: disable=protected-access

    def stop(signum, frame):
        # Unwinds the module (its with-blocks remove private files); there is no result to send.
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, stopping)


_DURATION_PART = re.compile(r'(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|ms|s|m|h)')
_DURATION_UNITS = {'ns': 1e-9, 'us': 1e-6, u'\u00b5s': 1e-6, 'ms': 1e-3, 's': 1, 'm': 60, 'h': 3600}


def parse_duration(value):
    """Seconds in a Go duration (``15m``, ``2h``, ``1h30m``, ``24h0m0s``, ``0``).

    A bare integer is taken as seconds. Raises ValueError on anything else.
    """
    text = str(value).strip()
    if re.match(r'^\d+$', text):
        return int(text)
    if not text:
        raise ValueError('empty duration')
    pos = 0
    total = 0.0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match:
            raise ValueError('%r is not a duration such as 15m, 2h, 1h30m or 0' % value)
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return int(total)


def format_duration(seconds):
    """A Go duration string kubeadm accepts for ``seconds`` (``0s`` for zero)."""
    seconds = int(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    out = ''
    if hours:
        out += '%dh' % hours
    if minutes:
        out += '%dm' % minutes
    if secs or not out:
        out += '%ds' % secs
    return out


def parse_json_stream(text):
    """Objects of kubeadm's ``-o json`` output: one JSON document after another, not an array.

    Lists (a JSON array or a ``{"kind": "List", "items": [...]}`` object) are flattened. Lines
    that do not start a JSON document (warnings some versions print) are skipped.
    """
    decoder = json.JSONDecoder()
    objects = []
    pos = 0
    length = len(text)
    while pos < length:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            break
        if text[pos] not in '{[':
            newline = text.find('\n', pos)
            pos = length if newline < 0 else newline + 1
            continue
        value, pos = decoder.raw_decode(text, pos)
        if isinstance(value, list):
            objects.extend(value)
        elif isinstance(value, dict) and value.get('kind') == 'List':
            objects.extend(value.get('items') or [])
        else:
            objects.append(value)
    return objects


def parse_time(value):
    """An RFC 3339 time as kubeadm prints it (``2024-03-05T19:51:22Z``) as an aware UTC datetime."""
    text = value.strip()
    match = re.match(r'^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(\.\d+)?(Z|[+-]\d{2}:?\d{2})$', text)
    if not match:
        raise ValueError('%r is not an RFC 3339 time' % value)
    stamp = datetime.datetime.strptime(match.group(1), '%Y-%m-%dT%H:%M:%S')
    zone = match.group(3)
    offset = datetime.timedelta(0)
    if zone != 'Z':
        sign = -1 if zone[0] == '-' else 1
        digits = zone[1:].replace(':', '')
        offset = sign * datetime.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
    return (stamp - offset).replace(tzinfo=datetime.timezone.utc)


def masked_params(module):
    """module.params with every no_log option replaced, for a hand-made ``invocation``."""
    params = dict(module.params)
    for name, spec in module.argument_spec.items():
        if spec.get('no_log') and params.get(name) is not None:
            params[name] = NO_LOG_PLACEHOLDER
    return params


def exit_with_secrets(module, secrets, **result):
    """exit_json that returns ``secrets`` in clear (the caller's task must use no_log).

    While the module runs, secrets sit in module.no_log_values so that command lines, warnings
    and failures mask them. They are released just for the result; the ``invocation`` echo keeps
    the no_log options masked.
    """
    for secret in secrets:
        if secret:
            module.no_log_values.discard(secret)
    result['invocation'] = {'module_args': masked_params(module)}
    module.exit_json(**result)


_SECRET_TOKEN_RE = re.compile(r'\b[a-z0-9]{6}\.[a-z0-9]{16}\b')
_SECRET_KEY_RE = re.compile(r'(?<!sha256:)\b[0-9a-f]{64}\b')


def redact(text, lines=None):
    """``text`` with bootstrap tokens and certificate keys masked (CA hashes stay readable).

    With ``lines``, only the last that many lines are kept (for error messages).
    """
    text = _SECRET_TOKEN_RE.sub('<token>', text or '')
    text = _SECRET_KEY_RE.sub('<certificate-key>', text)
    if lines:
        text = '\n'.join(text.splitlines()[-int(lines):])
    return text


class ConfigFile(object):
    """A private temporary kubeadm configuration (mode 0600), removed when the block ends.

    Secrets (token, certificate key) travel to kubeadm in this file, never on its command line.
    """

    def __init__(self, content, directory='/etc/kubernetes'):
        self.content = content
        self.directory = directory if os.path.isdir(directory) else None
        self.path = None

    def __enter__(self):
        import tempfile
        fd, self.path = tempfile.mkstemp(prefix='.seed-kubeadm-', suffix='.yaml', dir=self.directory)
        with os.fdopen(fd, 'w') as handle:
            handle.write(self.content)
        return self.path

    def __exit__(self, *exc):
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)
        return False


def with_document_field(config_text, kind, field, value):
    """The multi-document YAML ``config_text`` with ``field: value`` set at the top level of the
    document of ``kind`` (added, with the apiVersion of the first kubeadm document, when absent).

    kubeadm configurations are block-style YAML, so a document's top-level keys start at column 0;
    a flow-style document raises ValueError.
    """
    docs = re.split(r'^---[ \t]*$', config_text, flags=re.MULTILINE)
    line = '%s: %s' % (field, json.dumps(value))
    api_version = None
    for i, doc in enumerate(docs):
        version = re.search(r'^apiVersion:\s*["\']?(kubeadm\.k8s\.io/v1beta\d+)', doc, re.MULTILINE)
        if version and api_version is None:
            api_version = version.group(1)
        if re.search(r'^kind:\s*["\']?%s["\']?\s*$' % re.escape(kind), doc, re.MULTILINE):
            if re.search(r'^\s*[{\[]', doc.strip()) and not doc.strip().startswith('#'):
                raise ValueError('the %s document is not block-style YAML' % kind)
            pattern = re.compile(r'^%s:.*$' % re.escape(field), re.MULTILINE)
            if pattern.search(doc):
                docs[i] = pattern.sub(lambda m: line, doc)
            else:
                docs[i] = doc.rstrip('\n') + '\n' + line + '\n'
            return '---'.join(docs)
    if api_version is None:
        raise ValueError('no kubeadm.k8s.io document in the configuration')
    return config_text.rstrip('\n') + '\n---\napiVersion: %s\nkind: %s\n%s\n' % (api_version, kind, line)


def fail_masked(module, exc, **extra):
    """fail_json for a KubeadmError with tokens and certificate keys masked in message and output."""
    # stdout, then stderr, each from its own line (stdout need not end with a newline)
    output = '\n'.join(part.rstrip('\n') for part in (exc.stdout, exc.stderr) if part)
    module.fail_json(msg=redact(exc.msg), rc=exc.rc, output=redact(output, 40), **extra)
