"""A small re-implementation of cobra + spf13/pflag command-line semantics for the CLI doubles.

Covers: long flags (``--f v``, ``--f=v``), shorthands (``-v 5``, ``-v=5``, ``-v5``, bool groups), ``--``
ending flag parsing, flags anywhere among positional arguments (interspersed), typed values with
pflag's error texts, and cobra's "unknown command" for commands without positional arguments.
"""

import re

_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "\u00b5s": 1e-6, "\u03bcs": 1e-6, "ms": 1e-3, "s": 1.0,
                   "m": 60.0, "h": 3600.0}
_DURATION_PART = re.compile(r"(\d*\.?\d*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


class FlagError(Exception):
    """A command-line error; ``str()`` is cobra's/pflag's message."""


def parse_duration(text):
    """Seconds of a Go ``time.ParseDuration`` string; ValueError with Go's message otherwise."""
    orig = text
    sign = 1
    if text[:1] in ("+", "-"):
        sign = -1 if text[0] == "-" else 1
        text = text[1:]
    if text == "0":
        return 0.0
    if not text:
        raise ValueError('time: invalid duration "%s"' % orig)
    total, pos = 0.0, 0
    while pos < len(text):
        match = _DURATION_PART.match(text, pos)
        if not match or match.group(1) in ("", "."):
            if match is None and re.match(r"\d*\.?\d*$", text[pos:]):
                raise ValueError('time: missing unit in duration "%s"' % orig)
            unit = re.match(r"\d*\.?\d*([^\d.]*)", text[pos:]).group(1)
            if unit and not match:
                raise ValueError('time: unknown unit "%s" in duration "%s"' % (unit, orig))
            raise ValueError('time: invalid duration "%s"' % orig)
        total += float(match.group(1)) * _DURATION_UNITS[match.group(2)]
        pos = match.end()
    return sign * total


def format_duration(seconds):
    """Go's ``time.Duration.String()`` for whole seconds and above (``24h0m0s``, ``1m30s``, ``0s``)."""
    if seconds == 0:
        return "0s"
    neg = seconds < 0
    seconds = abs(seconds)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    secs_text = ("%d" % secs) if float(secs).is_integer() else ("%g" % secs)
    if hours:
        out = "%dh%dm%ss" % (hours, minutes, secs_text)
    elif minutes:
        out = "%dm%ss" % (minutes, secs_text)
    elif seconds >= 1:
        out = "%ss" % secs_text
    else:
        out = "%gms" % (seconds * 1000)
    return ("-" if neg else "") + out


class Flag:
    """One flag: ``kind`` is bool, string, int, uint, duration, stringSlice or stringArray."""

    def __init__(self, name, kind="string", default=None, shorthand="", usage=""):
        self.name = name
        self.kind = kind
        self.shorthand = shorthand
        self.usage = usage
        if default is None:
            default = {"bool": False, "int": 0, "uint": 0, "duration": 0.0, "stringSlice": [],
                       "stringArray": []}.get(kind, "")
        self.default = default

    def convert(self, raw, shown):
        """Typed value of ``raw``; FlagError with pflag's text on a bad value."""
        try:
            if self.kind == "bool":
                low = raw.lower() if raw in ("TRUE", "True", "FALSE", "False") else raw
                if low in ("1", "t", "true", "T"):
                    return True
                if low in ("0", "f", "false", "F"):
                    return False
                raise ValueError('strconv.ParseBool: parsing "%s": invalid syntax' % raw)
            if self.kind in ("int", "uint"):
                if not re.match(r"^[+-]?\d+$", raw):
                    fn = "ParseInt" if self.kind == "int" else "ParseUint"
                    raise ValueError('strconv.%s: parsing "%s": invalid syntax' % (fn, raw))
                return int(raw)
            if self.kind == "duration":
                return parse_duration(raw)
            if self.kind == "stringSlice":
                return [] if raw == "" else [part for part in _split_csv(raw)]
            return raw
        except ValueError as exc:
            raise FlagError('invalid argument "%s" for "%s" flag: %s' % (raw, shown, exc))


def _split_csv(raw):
    # pflag reads a StringSlice value as one CSV record.
    import csv
    return next(csv.reader([raw]))


class Parsed:
    """Result of parsing: flag values, which flags were set (in order), positional args."""

    def __init__(self, flags):
        self.flags = flags
        self.values = {name: (list(f.default) if isinstance(f.default, list) else f.default)
                       for name, f in flags.items()}
        self.changed = []
        self.args = []

    def __getitem__(self, name):
        return self.values[name]

    def get(self, name, default=None):
        return self.values.get(name, default)

    def is_set(self, name):
        return name in self.changed

    def set(self, flag, value):
        if flag.kind in ("stringSlice", "stringArray"):
            if flag.name not in self.changed:
                self.values[flag.name] = []
            self.values[flag.name] = self.values[flag.name] + (value if isinstance(value, list) else [value])
        else:
            self.values[flag.name] = value
        if flag.name not in self.changed:
            self.changed.append(flag.name)


def parse_flags(argv, flags):
    """Parse ``argv`` (the command's own arguments) against ``flags`` (name -> Flag)."""
    result = Parsed(flags)
    short = {f.shorthand: f for f in flags.values() if f.shorthand}
    i = 0
    while i < len(argv):
        arg = argv[i]
        i += 1
        if arg == "--":
            result.args.extend(argv[i:])
            break
        if arg.startswith("--") and len(arg) > 2:
            name, eq, value = arg[2:].partition("=")
            flag = flags.get(name)
            if flag is None:
                raise FlagError("unknown flag: --%s" % name)
            if eq:
                result.set(flag, flag.convert(value, "--" + name))
            elif flag.kind == "bool":
                result.set(flag, True)
            elif i < len(argv):
                result.set(flag, flag.convert(argv[i], "--" + name))
                i += 1
            else:
                raise FlagError("flag needs an argument: --%s" % name)
        elif arg.startswith("-") and len(arg) > 1:
            shorts = arg[1:]
            while shorts:
                letter, rest = shorts[0], shorts[1:]
                flag = short.get(letter)
                if flag is None:
                    raise FlagError("unknown shorthand flag: '%s' in -%s" % (letter, arg[1:]))
                shown = "-%s, --%s" % (letter, flag.name)
                if rest.startswith("="):
                    result.set(flag, flag.convert(rest[1:], shown))
                    shorts = ""
                elif flag.kind == "bool":
                    result.set(flag, True)
                    shorts = rest
                elif rest:
                    result.set(flag, flag.convert(rest, shown))
                    shorts = ""
                elif i < len(argv):
                    result.set(flag, flag.convert(argv[i], shown))
                    i += 1
                    shorts = ""
                else:
                    raise FlagError("flag needs an argument: '%s' in -%s" % (letter, letter))
        else:
            result.args.append(arg)
    return result


class Command:
    """A cobra command: name, flags, subcommands, and a runner ``run(cmd, parsed)``.

    ``args`` is None (any number), an int N (at most N) or "none" (cobra.NoArgs).
    """

    def __init__(self, name, run=None, flags=(), children=(), args="none", short="",
                 aliases=()):
        self.name = name
        self.run = run
        self.flags = list(flags)
        self.children = list(children)
        self.args = args
        self.short = short
        self.aliases = list(aliases)
        self.parent = None
        for child in self.children:
            child.parent = self

    def add(self, *children):
        for child in children:
            child.parent = self
            self.children.append(child)
        return self

    def path(self):
        return (self.parent.path() + " " if self.parent else "") + self.name

    def child(self, name):
        for c in self.children:
            if c.name == name or name in c.aliases:
                return c
        return None

    def all_flags(self, persistent):
        out = {f.name: f for f in persistent}
        out.update({f.name: f for f in self.flags})
        return out

    def usage(self):
        lines = ["Usage:", "  %s%s" % (self.path(), " [command]" if self.children else " [flags]")]
        if self.children:
            lines += ["", "Available Commands:"]
            lines += ["  %-20s %s" % (c.name, c.short) for c in self.children]
        if self.flags:
            lines += ["", "Flags:"]
            for f in sorted(self.flags, key=lambda x: x.name):
                head = ("-%s, " % f.shorthand if f.shorthand else "    ") + "--" + f.name
                lines.append("  %-40s %s" % (head, f.usage))
        return "\n".join(lines) + "\n"


def find(root, argv, persistent):
    """cobra's Find: (command, remaining argv). Flags are skipped while looking for subcommands."""
    cmd = root
    rest = list(argv)
    i = 0
    while i < len(rest):
        arg = rest[i]
        if arg == "--":
            break
        if arg.startswith("-"):
            known = cmd.all_flags(persistent)
            name = arg.lstrip("-").partition("=")[0]
            flag = known.get(name) if arg.startswith("--") else next(
                (f for f in known.values() if f.shorthand == name[:1]), None)
            if "=" not in arg and flag is not None and flag.kind != "bool" and (
                    arg.startswith("--") or len(name) == 1):
                i += 1
            i += 1
            continue
        sub = cmd.child(arg)
        if sub is None:
            break
        cmd = sub
        del rest[i]
    return cmd, rest


def suggest(cmd, word):
    """cobra's 'Did you mean this?' candidates (Levenshtein distance <= 2 or prefix)."""
    def dist(a, b):
        prev = list(range(len(b) + 1))
        for i, ca in enumerate(a, 1):
            cur = [i]
            for j, cb in enumerate(b, 1):
                cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
            prev = cur
        return prev[-1]
    return [c.name for c in cmd.children
            if dist(word.lower(), c.name.lower()) <= 2 or c.name.startswith(word)]
