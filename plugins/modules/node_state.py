#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: node_state
short_description: Write a node's managed files and report what else differs from the wanted state, in one round trip
version_added: 0.1.0
description:
  - The one remote task of the fast path of the roles C(node_prep), C(container_runtime) and
    C(kube_packages). It gets the role's whole wanted state and, in one module run, writes every
    file of O(files) whose content (or mode, owner, group) differs, removes stale files it wrote
    earlier (O(remove_stale)), and compares everything else the role manages - kernel modules,
    live kernel parameters, packages and their version and hold state, systemd units, files that
    must exist, hostname, swap, SELinux, ufw - with the wanted values.
  - What is not in the wanted state is returned per kind in RV(pending), computed here from the
    same lists the converge tasks then work on, so a managed item cannot be checked in one place
    and forgotten in another.
  - Files are written through a temporary file created with mode C(0600) in the target directory,
    given its owner and mode, then renamed over the target, so a file never exists half written or
    with wider permissions than wanted. A target that cannot be replaced by a rename (a bind mount,
    such as C(/etc/hosts) inside a container) is rewritten in place after its mode and owner were set.
author:
  - Seed developers (!UNKNOWN)
extends_documentation_fragment:
  - seed.kubeadm.attributes
attributes:
  check_mode:
    support: full
    details: Reports which files would be written or removed (and their diff) without touching them; RV(pending) is the same.
  diff_mode:
    support: full
    details: One diff per written or removed file (content hidden for files with O(files[].diff=false)).
options:
  files:
    description:
      - Files (or managed blocks inside files) in their wanted state. Missing parent directories
        are created with mode C(0755).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the file.
        type: path
        required: true
      content:
        description:
          - The whole content of the file, or with O(files[].marker) the lines of the managed block.
          - Required unless O(files[].variants) or O(files[].copy_from) is given or O(files[].state=absent).
        type: str
      requires:
        description:
          - A path (for example the directory a package creates) that must exist before this file is
            written; while it does not, the file is not written and is listed in RV(pending.files), so a
            package installed later in the same run finds its own configuration file in place, not ours.
        type: path
      copy_from:
        description:
          - Instead of O(files[].content), the path of a file on the host whose content this file gets
            (as M(ansible.builtin.copy) with C(remote_src)). A missing source fails the module.
        type: path
      variants:
        description:
          - Instead of O(files[].content), one content per version range of the program O(files[].version_of).
            The first variant whose C(min_version) the installed version reaches is written; a variant
            without C(min_version) matches any version.
          - While the program is not installed the file is not written and is listed in RV(pending.files).
        type: list
        elements: dict
        suboptions:
          min_version:
            description: Lowest program version (C(major.minor[.patch])) this variant is for.
            type: str
          content:
            description: Content of the file for this version range.
            type: str
            required: true
      version_of:
        description: Program whose C(<program> --version) output picks one of O(files[].variants).
        type: str
      marker:
        description:
          - Manage a block inside the file instead of the whole file, between this marker line with
            C({mark}) replaced by C(BEGIN) and by C(END), like M(ansible.builtin.blockinfile).
          - An empty block removes the block.
        type: str
      insert_before:
        description: Regular expression of the line a new block is inserted before (first match); at the end of the file without a match.
        type: str
      state:
        description: V(absent) removes the file (with O(files[].marker) only the block).
        type: str
        choices: [present, absent]
        default: present
      mode:
        description:
          - Permissions as an octal string such as V('0644') or V('0600').
          - Default V('0644') for a whole file; a block leaves the mode of an existing file alone.
        type: raw
      owner:
        description: Owner (name or uid); unchanged when not given.
        type: str
      group:
        description: Group (name or gid); unchanged when not given.
        type: str
      restart:
        description:
          - Names (for example systemd units) returned in RV(restart) when this file's content is written.
            The role's handlers restart what is listed there.
        type: list
        elements: str
        default: []
      diff:
        description: Show the content in the diff; V(false) for secrets (the diff then only names the file).
        type: bool
        default: true
      validate:
        description:
          - Command that checks the new content before it replaces the file, C(%s) standing for the
            path of the temporary file (as O(ansible.builtin.template#module:validate)). A non-zero
            exit fails the module, names the file and leaves the old one in place.
          - While the command's program is not installed (its first word is not found, or the command
            exits with 127, a shell's "command not found") the file is not written and is listed in
            RV(pending.files) (for example a configuration checked by the program the same run installs).
        type: str
  directories:
    description:
      - Directories that must exist with the given mode and owner, created (with missing parents
        C(0755)) or corrected before any file is written.
      - A directory whose owner or group does not exist yet (a service user that a package of the same
        run creates) is not touched and is listed in RV(pending.files).
    type: list
    elements: dict
    default: []
    suboptions:
      path:
        description: Absolute path of the directory.
        type: path
        required: true
      mode:
        description: Permissions as an octal string such as V('0700'); V('0755') when not given.
        type: raw
      owner:
        description: Owner (name or uid); unchanged when not given.
        type: str
      group:
        description: Group (name or gid); unchanged when not given.
        type: str
  refuse:
    description:
      - Conflicts checked before anything is written. When a regular file matched by C(glob) that
        is not in C(exclude) has a line matching C(regex), the module fails with C(msg) followed by
        the paths it found and changes nothing (for example another configuration file already
        using a value that must be unique on the host). The message names files only, never their content.
    type: list
    elements: dict
    default: []
    suboptions:
      glob:
        description: Shell glob of the files to look at.
        type: str
        required: true
      regex:
        description: Regular expression matched against each line (Python C(re), C(search)).
        type: str
        required: true
      exclude:
        description: Paths matched by C(glob) that are not looked at (for example the files this task writes).
        type: list
        elements: path
        default: []
      msg:
        description: The error message, naming the setting to change.
        type: str
        required: true
  remove_stale:
    description:
      - Remove files that an earlier run wrote and that are no longer wanted - files matched by
        C(glob) whose content holds C(marker) and that are not a present entry of O(files). Their
        directory is removed too when it is left empty.
    type: list
    elements: dict
    default: []
    suboptions:
      glob:
        description: Shell glob of the candidate files, for example C(/etc/containerd/certs.d/*/hosts.toml).
        type: str
        required: true
      marker:
        description: Text that marks a file as written by the role.
        type: str
        required: true
      restart:
        description: Names returned in RV(restart) when such a file is removed.
        type: list
        elements: str
        default: []
  track_restarts:
    description:
      - Keep a restart that is due until it is done. Before a file whose O(files[].restart) (or
        O(remove_stale[].restart)) names something is written or removed, a marker per name is
        created in C(/var/lib/seed-kubeadm/pending-restart). Later runs report those names in
        RV(restart) again (and a change) until O(restarted) names them, so a run killed after the
        file was written and before its handler ran still restarts the service on the next run.
      - Only names that this call's O(files) or O(remove_stale) entries list are reported.
    type: bool
    default: false
  restarted:
    description:
      - Names whose restart has been done (the handler calls the module with this option after
        restarting); their markers are removed. Names are letters, digits, C(@), C(.), C(_) and C(-).
    type: list
    elements: str
    default: []
  modules:
    description:
      - Kernel modules that must be loaded. A module counts as loaded when C(/sys/module/<name>) exists
        or, for modules built into the kernel that do not show up there, when their feature is visible
        (C(br_netfilter) through C(/proc/sys/net/bridge), C(overlay) through C(/proc/filesystems),
        C(ip_vs) through C(/proc/net/ip_vs), C(nf_conntrack) through C(/proc/sys/net/netfilter)).
    type: list
    elements: str
    default: []
  sysctl:
    description: Kernel parameters and their wanted live value (compared with C(/proc/sys), whitespace-insensitive).
    type: dict
    default: {}
  packages:
    description:
      - Packages that must be installed (dpkg or rpm). Each entry is a name or a dict with C(name)
        and C(version), a shell pattern the installed version must match (for example C(1.35.6-*) or
        C(1.7.*)), or a version followed in the installed one by a revision (C(1.7.27) matches C(1.7.27-3.1.el9)).
    type: list
    elements: raw
    default: []
  held:
    description: Packages that must be on hold (dpkg selection C(hold)); ignored on rpm hosts.
    type: list
    elements: str
    default: []
  services:
    description: systemd units and their wanted state.
    type: list
    elements: dict
    default: []
    suboptions:
      name:
        description: Unit name.
        type: str
        required: true
      active:
        description: Wanted active state; not compared when not given.
        type: bool
      enabled:
        description: Wanted enabled state (enabled, static, alias and enabled-runtime count as enabled); not compared when not given.
        type: bool
  exists:
    description: Paths that must exist (for example downloaded keys); the missing ones are pending.
    type: list
    elements: path
    default: []
  hostname:
    description: Wanted host name (compared with C(socket.gethostname())); not compared when not given.
    type: str
  swap_off:
    description: Swap must be off now (C(/proc/swaps)) and have no active line in C(/etc/fstab).
    type: bool
    default: false
  selinux:
    description: Wanted SELinux mode; not compared when not given.
    type: str
    choices: [enforcing, permissive, disabled]
  ufw:
    description: Wanted ufw state (C(ENABLED) of C(/etc/ufw/ufw.conf)); not compared when not given.
    type: str
    choices: [enabled, disabled]
  versions:
    description: Programs whose C(<program> --version) output is returned in RV(versions).
    type: list
    elements: str
    default: []
  wanted:
    description:
      - The wanted state as one dict, as the roles' wanted-state filters return it (for example
        P(seed.kubeadm.node_prep_wanted#filter)). Its keys C(modules), C(sysctl), C(packages),
        C(held), C(services), C(exists), C(hostname), C(swap_off), C(selinux) and C(ufw) stand for
        the options of the same name and are validated like them; a key whose value is null or
        empty is not given. Other keys are ignored.
      - One dict evaluated once costs the controller less than one expression per option.
      - A value given both here and as its option is an error.
    type: dict
    default: {}
seealso:
  - module: seed.kubeadm.preflight_probe
  - module: ansible.builtin.copy
  - module: ansible.builtin.blockinfile
notes:
  - Pending items are fixed by the calling role's converge tasks, which loop over RV(pending); files
    are the only thing this module changes.
  - File contents travel as module arguments; a task whose files hold secrets needs C(no_log).
"""

EXAMPLES = r"""
- name: Write the containerd files and read the rest of the node state
  seed.kubeadm.node_state:
    files:
      - path: /etc/containerd/config.toml
        version_of: containerd
        variants:
          - min_version: "2.0"
            content: "{{ lookup('ansible.builtin.template', 'config-v3.toml.j2') }}"
          - content: "{{ lookup('ansible.builtin.template', 'config-v2.toml.j2') }}"
        owner: root
        group: root
        mode: "0644"
        restart: [containerd]
      - path: /etc/hosts
        marker: "# {mark} seed.kubeadm cluster hosts"
        content: "10.0.0.11 cp1\n10.0.0.12 w1\n"
    remove_stale:
      - glob: /etc/containerd/certs.d/*/hosts.toml
        marker: "# Managed by seed.kubeadm"
    modules: [overlay, br_netfilter]
    sysctl: {net.ipv4.ip_forward: 1}
    packages: [containerd, {name: kubeadm, version: "1.35.6-*"}]
    held: [kubeadm]
    services:
      - {name: containerd, active: true, enabled: true}
  register: node
  notify: Restart containerd

- name: Install what is missing
  ansible.builtin.apt:
    name: "{{ node.pending.packages }}"
  when: node.pending.packages | length > 0
"""

RETURN = r"""
written:
  description: Paths written (content, mode or owner changed) and O(directories) created or corrected, or that would be in check mode.
  returned: always
  type: list
  elements: str
  sample: [/etc/containerd/config.toml]
removed:
  description: Stale or absent paths removed (or that would be in check mode).
  returned: always
  type: list
  elements: str
restart:
  description:
    - Union of the O(files[].restart) names of the files whose content changed (and of the O(remove_stale) rules that
      removed a file), sorted.
    - With O(track_restarts), also the names of this call's entries whose restart an earlier run left undone (RV(pending_restart)).
  returned: always
  type: list
  elements: str
  sample: [containerd]
pending_restart:
  description: Names of this call's entries whose restart an earlier run left undone (O(track_restarts)).
  returned: always
  type: list
  elements: str
  sample: []
pending:
  description:
    - What is not in the wanted state, per kind; every key is always there, empty when nothing is pending.
  returned: always
  type: dict
  contains:
    files:
      description:
        - Files not written because the O(files[].version_of) or O(files[].validate) program is not
          installed yet, and O(directories) whose owner or group does not exist yet.
      type: list
      elements: str
    modules:
      description: O(modules) not loaded.
      type: list
      elements: str
    sysctl:
      description: O(sysctl) keys whose live value differs (or that do not exist).
      type: list
      elements: str
    packages:
      description: O(packages) not installed or at a version not matching their pattern.
      type: list
      elements: str
    held:
      description: O(held) packages not on hold.
      type: list
      elements: str
    services:
      description: O(services) entries (as given) whose unit is not in the wanted state.
      type: list
      elements: dict
    exists:
      description: O(exists) paths that do not exist.
      type: list
      elements: str
    hostname:
      description: The wanted O(hostname) when the host name differs.
      type: list
      elements: str
    swap:
      description: With O(swap_off), V(active) when swap is on and V(fstab) when C(/etc/fstab) has a swap line.
      type: list
      elements: str
    selinux:
      description: The wanted O(selinux) mode when the current mode differs.
      type: list
      elements: str
    ufw:
      description: V(enabled) or V(disabled), the wanted O(ufw) state when ufw is in the other one.
      type: list
      elements: str
  sample: {"files": [], "modules": [], "sysctl": ["net.ipv4.ip_forward"], "packages": ["socat"], "held": [],
           "services": [{"name": "chrony", "active": true, "enabled": true}], "exists": [], "hostname": [],
           "swap": [], "selinux": [], "ufw": []}
pending_kinds:
  description: The keys of RV(pending) that are not empty (empty list - nothing left to do).
  returned: always
  type: list
  elements: str
  sample: [packages, sysctl]
hostname:
  description: The host name (C(socket.gethostname())).
  returned: always
  type: str
  sample: node1
container:
  description: The container engine the host runs in (V(docker), V(podman), ...), empty on a VM or bare metal.
  returned: always
  type: str
  sample: docker
swap_active:
  description: Whether swap is active now (C(/proc/swaps)).
  returned: always
  type: bool
fstab_swap:
  description: Whether C(/etc/fstab) has an active swap line.
  returned: always
  type: bool
sysctl:
  description: Live value of each O(sysctl) key, V(null) when the key does not exist.
  returned: always
  type: dict
  sample: {"net.ipv4.ip_forward": "1"}
packages:
  description: Per O(packages) and O(held) name V(null) when not installed, else C(version) and C(hold).
  returned: always
  type: dict
  sample: {"containerd": {"version": "1.6.20~ds1-1+b1", "hold": false}, "socat": null}
services:
  description: Per O(services) entry C(present), C(active) and C(enabled).
  returned: always
  type: dict
  sample: {"containerd": {"present": true, "active": true, "enabled": true}}
selinux:
  description: SELinux mode (V(enforcing), V(permissive) or V(disabled)).
  returned: always
  type: str
  sample: disabled
ufw_enabled:
  description: Whether C(/etc/ufw/ufw.conf) enables ufw.
  returned: always
  type: bool
versions:
  description: C(--version) output per O(versions) entry and per O(files[].version_of) program, V(null) when the program is missing or fails.
  returned: always
  type: dict
  sample: {"containerd": "containerd github.com/containerd/containerd 1.6.20~ds1 1.6.20~ds1-1+b1"}
"""

import fnmatch
import os
import re
import socket

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from ansible.module_utils.common.text.converters import to_native
from ansible_collections.seed.kubeadm.plugins.module_utils import node_files
from ansible_collections.seed.kubeadm.plugins.module_utils.host_env import container_kind

# Where a module that is built into the kernel (and so may be absent from /sys/module) shows itself.
BUILTIN_HINTS = {
    "br_netfilter": "/proc/sys/net/bridge/bridge-nf-call-iptables",
    "ip_vs": "/proc/net/ip_vs",
    "nf_conntrack": "/proc/sys/net/netfilter/nf_conntrack_max",
}
ENABLED_STATES = ("enabled", "static", "alias", "enabled-runtime")
PENDING_KINDS = ("files", "modules", "sysctl", "packages", "held", "services", "exists", "hostname", "swap", "selinux", "ufw")


def read_text(path, default=None):
    try:
        with open(path, "rb") as handle:
            return handle.read().decode("utf-8", "replace")
    except (IOError, OSError):
        return default


def module_loaded(name, sys_module="/sys/module", filesystems="/proc/filesystems", hints=None):
    if os.path.exists(os.path.join(sys_module, name)):
        return True
    if name == "overlay":
        return any(line.split()[-1:] == ["overlay"] for line in (read_text(filesystems, "")).splitlines())
    hint = (BUILTIN_HINTS if hints is None else hints).get(name)
    return bool(hint and os.path.exists(hint))


def sysctl_values(keys, root="/proc/sys"):
    return dict((key, (read_text(os.path.join(root, key.replace(".", "/")), "")).strip() or None) for key in keys)


def sysctl_differs(live, wanted):
    """Whether a live value (None: missing key) differs from the wanted one, whitespace-insensitive."""
    if live is None:
        return True
    if isinstance(wanted, bool):
        wanted = int(wanted)
    return " ".join(str(live).split()) != " ".join(str(wanted).split())


def package_versions(run, names, dpkg_query=None, rpm=None):
    result = dict((name, None) for name in names)
    if not names:
        return result
    if dpkg_query:
        out = run([dpkg_query, "-W", "-f", "${Package} ${Version} ${db:Status-Abbrev} ${Status}\\n"] + list(names))[1]
        for line in out.splitlines():
            fields = line.split()
            if len(fields) >= 4 and fields[2].startswith(("ii", "hi")):
                result[fields[0]] = {"version": fields[1], "hold": fields[3] == "hold"}
    elif rpm:
        for name in names:
            rc, out = run([rpm, "-q", "--whatprovides", name, "--qf", "%{VERSION}-%{RELEASE}\\n"])
            if rc == 0 and out.strip():
                result[name] = {"version": out.splitlines()[0].strip(), "hold": False}
    return result


def normalize_packages(entries):
    """[(name, version pattern or '')] from names and {name, version} dicts."""
    result = []
    for entry in entries or []:
        if isinstance(entry, dict):
            name, version = entry.get("name"), entry.get("version") or ""
        else:
            name, version = entry, ""
        if not name or not isinstance(name, str):
            raise ValueError("every packages entry needs a name, got %r" % (entry,))
        result.append((name, str(version)))
    return result


def version_matches(version, pattern):
    """The version matches the shell pattern, or starts with it followed by a revision (1.7.27 -> 1.7.27-3.1.el9)."""
    return fnmatch.fnmatchcase(version, pattern) or fnmatch.fnmatchcase(version, pattern + "[-~+:.]*")


def packages_pending(wanted, installed):
    """Names not installed or whose installed version does not match the wanted pattern."""
    pending = []
    for name, pattern in wanted:
        found = installed.get(name)
        if found is None or (pattern and not version_matches(found["version"], pattern)):
            pending.append(name)
    return pending


def held_pending(names, installed, dpkg=True):
    if not dpkg:
        return []
    return [name for name in names if not (installed.get(name) or {}).get("hold")]


def service_states(run, names, systemctl="systemctl"):
    result = {}
    for name in names:
        out = run([systemctl, "show", "--property=ActiveState,UnitFileState,LoadState", "--", name])[1]
        props = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        result[name] = {
            "present": props.get("LoadState", "not-found") not in ("not-found", ""),
            "active": props.get("ActiveState", "") == "active",
            "enabled": props.get("UnitFileState", "") in ENABLED_STATES,
        }
    return result


def services_pending(wanted, states):
    pending = []
    for entry in wanted:
        state = states.get(entry["name"]) or {"active": False, "enabled": False}
        if any(entry.get(key) is not None and bool(entry[key]) != state[key] for key in ("active", "enabled")):
            pending.append(dict((k, v) for k, v in entry.items() if v is not None))
    return pending


def swap_active(path="/proc/swaps"):
    return any(line.strip() for line in read_text(path, "").splitlines()[1:])


def fstab_has_swap(path="/etc/fstab"):
    for line in read_text(path, "").splitlines():
        fields = line.split()
        if len(fields) >= 3 and not fields[0].startswith("#") and fields[2] == "swap":
            return True
    return False


def selinux_mode(path="/sys/fs/selinux/enforce"):
    enforce = read_text(path)
    if enforce is None:
        return "disabled"
    return "enforcing" if enforce.strip() == "1" else "permissive"


def program_versions(run, names, which=None):
    result = {}
    for name in names:
        if which is not None and not which(name):
            result[name] = None
            continue
        rc, out = run([name, "--version"])
        result[name] = out.strip() if rc == 0 else None
    return result


def ufw_enabled(path="/etc/ufw/ufw.conf"):
    return "ENABLED=yes" in read_text(path, "").replace(" ", "")


def diff_entry(planned):
    before, after = planned["before"], planned["after"]
    if not planned["diff"]:
        hidden = "(content of %s hidden)\n" % planned["path"]
        before = hidden if before is not None else None
        after = hidden if after is not None else None
    return {"before_header": planned["path"], "after_header": planned["path"],
            "before": before if before is not None else "", "after": after if after is not None else ""}


PENDING_RESTART_DIR = "/var/lib/seed-kubeadm/pending-restart"
_RESTART_NAME = re.compile(r"^[A-Za-z0-9@._-]+$")


class PendingRestarts:
    """Markers of restarts that are due (O(track_restarts)): one empty file per name."""

    def __init__(self, directory=None):
        self.directory = directory or PENDING_RESTART_DIR

    @staticmethod
    def check(names):
        bad = [name for name in names if not _RESTART_NAME.match(name) or name in (".", "..")]
        if bad:
            raise node_files.FileError("restart names must be letters, digits, @, ., _ and -: %s" % ", ".join(bad))

    def pending(self, names):
        """The names among ``names`` whose marker exists."""
        return sorted(name for name in set(names) if os.path.exists(os.path.join(self.directory, name)))

    def mark(self, names):
        node_files.ensure_directory(self.directory, 0o755)
        for name in names:
            with open(os.path.join(self.directory, name), "a"):
                pass

    def clear(self, names):
        """Remove the markers of ``names``; the names whose marker existed."""
        cleared = []
        for name in names:
            try:
                os.unlink(os.path.join(self.directory, name))
                cleared.append(name)
            except FileNotFoundError:
                pass
        return cleared


class ProgramMissing(Exception):
    """The program a file's O(files[].validate) command needs is not installed yet."""


class FileWriter:
    """Plans and applies the O(files) and O(remove_stale) of one module run."""

    def __init__(self, module, versions, installed, restarts=None):
        self.module = module
        self.versions = versions
        self.installed = installed
        self.restarts = restarts
        self.written, self.removed, self.deferred, self.restart, self.diffs = [], [], [], set(), []

    def due(self, names):
        """Record that ``names`` must restart, before the file that needs it changes."""
        if self.restarts is not None and names and not self.module.check_mode:
            self.restarts.mark(names)

    def context_hook(self, tmp, path):
        module = self.module
        if not module.selinux_enabled():
            return
        context = module.selinux_context(path) if os.path.exists(path) else module.selinux_default_context(path)
        module.set_context_if_different(tmp, context, False)

    def validating_hook(self, command):
        """A hook that runs ``command`` on the temporary file, then sets its SELinux context."""
        def hook(tmp, path):
            if "%s" not in command:
                raise node_files.FileError("%s: validate must contain %%s (the path of the file to check)" % path)
            rc, out, err = self.module.run_command(command.replace("%s", tmp))
            if rc == 127:
                # "command not found" from a wrapper shell: the checking program is not installed yet.
                raise ProgramMissing(path)
            if rc != 0:
                raise node_files.FileError("%s: the new content failed its check (%s, exit %d): %s"
                                           % (path, command.split()[0], rc, (err or out).strip()))
            self.context_hook(tmp, path)
        return hook

    def program_missing(self, command):
        program = (command or "").split()[0] if (command or "").strip() else ""
        if not program:
            return False
        return not (self.module.get_bin_path(program) or (os.path.isabs(program) and os.access(program, os.X_OK)))

    def directory(self, entry):
        """Create or correct one O(directories) entry."""
        path = entry["path"]
        mode = node_files.parse_mode(entry.get("mode")) or 0o755
        try:
            uid, gid = node_files.resolve_uid(entry.get("owner")), node_files.resolve_gid(entry.get("group"))
        except node_files.FileError:
            # An owner a package of the same run creates (a service user): the directory waits for it.
            self.deferred.append(path)
            return
        if node_files.directory_differs(path, mode, uid, gid):
            self.written.append(path)
            if not self.module.check_mode:
                node_files.ensure_directory(path, mode, uid, gid)

    def apply(self, item):
        version_text = None
        if item.get("variants") and self.installed.get(item["version_of"]):
            # A program that is there but does not answer --version gets the variant without min_version.
            version_text = self.versions.get(item["version_of"]) or ""
        planned = node_files.plan(item, version_text)
        action, path = planned["action"], planned["path"]
        if action == "write" and ((item.get("validate") and self.program_missing(item["validate"]))
                                  or (item.get("requires") and not os.path.exists(item["requires"]))):
            action = "defer"
        if action == "defer":
            self.deferred.append(path)
            return
        if action == "none":
            return
        if action == "remove":
            self.removed.append(path)
            self.restart.update(planned["restart"])
            self.due(planned["restart"])
            if not self.module.check_mode:
                node_files.remove(path)
        else:
            if action == "write":
                self.due(planned["restart"])
            if action == "write" and not self.module.check_mode:
                hook = self.validating_hook(item["validate"]) if item.get("validate") else self.context_hook
                try:
                    node_files.write_atomic(path, planned["after"].encode("utf-8"), planned["mode"], planned["uid"],
                                            planned["gid"], hook)
                except ProgramMissing:
                    self.deferred.append(path)
                    return
            elif action == "attributes" and not self.module.check_mode:
                node_files.set_attributes(path, planned["mode"], planned["uid"], planned["gid"])
            self.written.append(path)
            if action == "write":
                self.restart.update(planned["restart"])
        if action != "attributes":
            self.diffs.append(diff_entry(planned))

    def remove_stale(self, rules, keep):
        for path, rule in node_files.stale(rules, keep):
            self.removed.append(path)
            self.restart.update(rule.get("restart") or [])
            self.due(rule.get("restart") or [])
            self.diffs.append({"before_header": path, "after_header": path, "before": node_files.read_bytes(path).decode("utf-8", "replace"),
                               "after": ""})
            if not self.module.check_mode:
                node_files.remove(path, prune_directory=True)


ARGUMENT_SPEC = dict(
    files=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="path", required=True),
        content=dict(type="str"),
        copy_from=dict(type="path"),
        requires=dict(type="path"),
        variants=dict(type="list", elements="dict", options=dict(
            min_version=dict(type="str"),
            content=dict(type="str", required=True),
        )),
        version_of=dict(type="str"),
        marker=dict(type="str"),
        insert_before=dict(type="str"),
        state=dict(type="str", choices=["present", "absent"], default="present"),
        mode=dict(type="raw"),
        owner=dict(type="str"),
        group=dict(type="str"),
        restart=dict(type="list", elements="str", default=[]),
        diff=dict(type="bool", default=True),
        validate=dict(type="str"),
    ), required_by=dict(variants="version_of"), mutually_exclusive=[["content", "variants", "copy_from"]]),
    directories=dict(type="list", elements="dict", default=[], options=dict(
        path=dict(type="path", required=True),
        mode=dict(type="raw"),
        owner=dict(type="str"),
        group=dict(type="str"),
    )),
    refuse=dict(type="list", elements="dict", default=[], options=dict(
        glob=dict(type="str", required=True),
        regex=dict(type="str", required=True),
        exclude=dict(type="list", elements="path", default=[]),
        msg=dict(type="str", required=True),
    )),
    remove_stale=dict(type="list", elements="dict", default=[], options=dict(
        glob=dict(type="str", required=True),
        marker=dict(type="str", required=True),
        restart=dict(type="list", elements="str", default=[]),
    )),
    modules=dict(type="list", elements="str", default=[]),
    sysctl=dict(type="dict", default={}),
    packages=dict(type="list", elements="raw", default=[]),
    held=dict(type="list", elements="str", default=[]),
    services=dict(type="list", elements="dict", default=[], options=dict(
        name=dict(type="str", required=True),
        active=dict(type="bool"),
        enabled=dict(type="bool"),
    )),
    exists=dict(type="list", elements="path", default=[]),
    hostname=dict(type="str"),
    swap_off=dict(type="bool", default=False),
    selinux=dict(type="str", choices=["enforcing", "permissive", "disabled"]),
    ufw=dict(type="str", choices=["enabled", "disabled"]),
    versions=dict(type="list", elements="str", default=[]),
    wanted=dict(type="dict", default={}),
    track_restarts=dict(type="bool", default=False),
    restarted=dict(type="list", elements="str", default=[]),
)

# Keys of O(wanted) that stand for the options of the same name.
WANTED_KEYS = ("modules", "sysctl", "packages", "held", "services", "exists", "hostname", "swap_off", "selinux", "ufw")


def apply_wanted(module, params):
    """Fill the options from O(wanted), validated by the same rules as the options themselves."""
    given = dict((key, value) for key, value in (params["wanted"] or {}).items()
                 if key in WANTED_KEYS and value is not None and value != "")
    if not given:
        return
    both = sorted(key for key in given if params[key] != ARGUMENT_SPEC[key].get("default"))
    if both:
        module.fail_json(msg="wanted: %s also given as option(s); give each value once" % ", ".join(both))
    result = ArgumentSpecValidator(dict((key, ARGUMENT_SPEC[key]) for key in given)).validate(given)
    if result.error_messages:
        module.fail_json(msg="wanted: " + "; ".join(result.error_messages))
    params.update(result.validated_parameters)


def main():
    module = AnsibleModule(argument_spec=ARGUMENT_SPEC, supports_check_mode=True)
    params = module.params
    apply_wanted(module, params)

    def run(args):
        try:
            rc, out, dummy = module.run_command(args, environ_update={"LC_ALL": "C"}, handle_exceptions=False)
        except (IOError, OSError):
            return 127, ""
        return rc, out

    try:
        wanted_packages = normalize_packages(params["packages"])
    except ValueError as exc:
        module.fail_json(msg=to_native(exc))

    programs = list(params["versions"])
    for item in params["files"]:
        if item.get("variants") and item["version_of"] not in programs:
            programs.append(item["version_of"])
    found = dict((name, bool(module.get_bin_path(name) or (os.path.isabs(name) and os.access(name, os.X_OK)))) for name in programs)
    versions = program_versions(run, programs, found.get)

    for rule in params["refuse"]:
        try:
            clashes = node_files.files_with_line(rule["glob"], rule["regex"], rule["exclude"])
        except re.error as exc:
            module.fail_json(msg="refuse: regex %r: %s" % (rule["regex"], to_native(exc)))
        if clashes:
            module.fail_json(msg="%s (found in %s)" % (rule["msg"], ", ".join(clashes)), conflicts=clashes)

    restarts = PendingRestarts()
    named = [name for item in params["files"] for name in item["restart"]]
    named += [name for rule in params["remove_stale"] for name in rule.get("restart") or []]
    try:
        PendingRestarts.check(named + params["restarted"])
    except node_files.FileError as exc:
        module.fail_json(msg=to_native(exc))
    cleared = []
    if params["restarted"]:
        cleared = restarts.pending(params["restarted"]) if module.check_mode else restarts.clear(params["restarted"])
    carried = restarts.pending(named) if params["track_restarts"] else []

    writer = FileWriter(module, versions, found, restarts if params["track_restarts"] else None)
    writer.restart.update(carried)
    try:
        for entry in params["directories"]:
            writer.directory(entry)
        for item in params["files"]:
            if item["state"] == "present" and not item.get("variants") and not item.get("copy_from") and item.get("content") is None:
                module.fail_json(msg="files: %s needs content, copy_from or variants" % item["path"])
            writer.apply(item)
        keep = [item["path"] for item in params["files"] if item["state"] == "present"]
        writer.remove_stale(params["remove_stale"], keep)
    except (node_files.FileError, IOError, OSError) as exc:
        module.fail_json(msg=to_native(exc), changed=bool(writer.written or writer.removed), written=writer.written,
                         removed=writer.removed, restart=sorted(writer.restart))

    dpkg_query = module.get_bin_path("dpkg-query")
    names = [name for name, dummy in wanted_packages]
    names += [name for name in params["held"] if name not in names]
    installed = package_versions(run, names, dpkg_query, module.get_bin_path("rpm"))
    services = service_states(run, [entry["name"] for entry in params["services"]], module.get_bin_path("systemctl") or "systemctl")
    live_sysctl = sysctl_values(list(params["sysctl"]))
    hostname = socket.gethostname()
    selinux = selinux_mode()
    ufw = ufw_enabled()
    swap_now, swap_fstab = swap_active(), fstab_has_swap()

    pending = dict(
        files=writer.deferred,
        modules=[name for name in params["modules"] if not module_loaded(name)],
        sysctl=[key for key, value in params["sysctl"].items() if sysctl_differs(live_sysctl[key], value)],
        packages=packages_pending(wanted_packages, installed),
        held=held_pending(params["held"], installed, dpkg=bool(dpkg_query)),
        services=services_pending(params["services"], services),
        exists=[path for path in params["exists"] if not os.path.exists(path)],
        hostname=[params["hostname"]] if params["hostname"] and params["hostname"] != hostname else [],
        swap=[kind for kind, on in (("active", swap_now), ("fstab", swap_fstab)) if params["swap_off"] and on],
        selinux=[params["selinux"]] if params["selinux"] and params["selinux"] != selinux else [],
        ufw=[params["ufw"]] if params["ufw"] and (params["ufw"] == "enabled") != ufw else [],
    )
    result = dict(
        changed=bool(writer.written or writer.removed or carried or cleared),
        written=writer.written,
        removed=writer.removed,
        restart=sorted(writer.restart),
        pending_restart=carried,
        pending=pending,
        pending_kinds=[kind for kind in PENDING_KINDS if pending[kind]],
        hostname=hostname,
        container=container_kind(),
        swap_active=swap_now,
        fstab_swap=swap_fstab,
        sysctl=live_sysctl,
        packages=installed,
        services=services,
        selinux=selinux,
        ufw_enabled=ufw,
        versions=versions,
    )
    if module._diff and writer.diffs:
        result["diff"] = writer.diffs
    module.exit_json(**result)


if __name__ == "__main__":
    main()
