# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network logic of seed.kubeadm (standard library only): addresses, CIDRs, node networks, sources.

Used on the controller by the cluster facts (plugins/module_utils/cluster.py) and by the network
filters, which only wrap these functions. Errors are ValueError with a message for the user.
"""

from __future__ import annotations

import ipaddress
import re

try:
    from urllib.parse import urlsplit
except ImportError:  # pragma: no cover - Python 2 is not supported
    urlsplit = None

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(r"^%s(\.%s)*$" % (_DNS_LABEL, _DNS_LABEL))
_DEFAULT_PORTS = {"http": 80, "https": 443}
_DOTTED_QUAD = re.compile(r"^[0-9]{1,3}(\.[0-9]{1,3}){3}$")


def address(value):
    """An ip_address for a plain address string (no legacy forms, no prefix), or None."""
    if not isinstance(value, str) or not value or value != value.strip() or "/" in value or "%" in value:
        return None
    if "." in value and ":" not in value and not _DOTTED_QUAD.match(value):
        return None
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def network(value):
    """An ip_network for a CIDR string address/prefix (host bits allowed), or None."""
    if not isinstance(value, str) or "/" not in value or value != value.strip():
        return None
    addr, prefix = value.split("/", 1)
    if not prefix.isdigit() or address(addr) is None:
        return None
    try:
        return ipaddress.ip_network(value, strict=False)
    except ValueError:
        return None


def cidr_valid(value, strict=False):
    """True when value is an IPv4 or IPv6 network address/prefix; strict: no host bits set."""
    net = network(value)
    if net is None:
        return False
    if strict and address(value.split("/", 1)[0]) != net.network_address:
        return False
    return True


def checked_network(value, what="value"):
    net = network(value)
    if net is None:
        raise ValueError("%s %r is not a CIDR (address/prefix, e.g. 10.244.0.0/16)" % (what, value))
    return net


def cidrs_overlap(first, second):
    """True when two CIDRs share at least one address (IPv4 and IPv6 never overlap)."""
    a = checked_network(first)
    b = checked_network(second)
    return a.version == b.version and a.overlaps(b)


def overlapping_cidrs(networks):
    """Pairs of overlapping networks of a dict name -> CIDR (pairs of names) or a list of CIDRs."""
    if isinstance(networks, dict):
        items = list(networks.items())
    elif isinstance(networks, (list, tuple)):
        items = [(value, value) for value in networks]
    else:
        raise ValueError("overlapping_cidrs expects a dict name -> CIDR or a list of CIDRs, got %s" % type(networks).__name__)
    parsed = [(name, network(value)) for name, value in items]
    parsed = [(name, net) for name, net in parsed if net is not None]
    pairs = []
    for index, (name_a, net_a) in enumerate(parsed):
        for name_b, net_b in parsed[index + 1:]:
            if net_a.version == net_b.version and net_a.overlaps(net_b):
                pairs.append([name_a, name_b])
    return pairs


def ip_in_network(value, cidr):
    """True when the IP address lies inside the CIDR. False for an invalid address."""
    net = checked_network(cidr, "network")
    ip = address(value)
    return ip is not None and ip.version == net.version and ip in net


def ip_valid(value):
    """True when value is a plain IPv4 or IPv6 address (no prefix)."""
    return address(value) is not None


def host_network(value, prefix=None):
    """The network (CIDR) of a host address with a prefix length or an IPv4 netmask."""
    if prefix is None:
        if not isinstance(value, str) or "/" not in value:
            raise ValueError("host_network: %r has no prefix; pass one, e.g. '%s' | host_network(24)" % (value, value))
        value, prefix = value.split("/", 1)
    ip = address(value)
    if ip is None:
        raise ValueError("host_network: %r is not an IP address" % (value,))
    prefix = str(prefix).strip()
    if not prefix.isdigit():
        mask = address(prefix)
        bits = None
        if mask is not None and mask.version == 4 and ip.version == 4:
            number = int(mask)
            inverted = (~number) & 0xFFFFFFFF
            if inverted & (inverted + 1) == 0:
                bits = 32 - inverted.bit_length()
        if bits is None:
            raise ValueError("host_network: %r is neither a prefix length nor an IPv4 netmask" % (prefix,))
        prefix = str(bits)
    if int(prefix) > (32 if ip.version == 4 else 128):
        raise ValueError("host_network: prefix /%s is too long for %s" % (prefix, ip))
    return str(ipaddress.ip_network("%s/%s" % (ip, prefix), strict=False))


def _fact(hostvars, name):
    facts = hostvars.get("ansible_facts") or {}
    if name in facts:
        return facts[name]
    return hostvars.get("ansible_" + name)


def node_network(hostvars, value=None):
    """The network (CIDR) a host's address belongs to, from its gathered network facts ('' unknown)."""
    if not hasattr(hostvars, "get"):
        raise ValueError("node_network expects a hostvars entry, got %s" % type(hostvars).__name__)
    if not value:
        value = (_fact(hostvars, "default_ipv4") or {}).get("address")
    ip = address(value) if value else None
    if ip is None:
        return ""
    for name in _fact(hostvars, "interfaces") or []:
        iface = _fact(hostvars, str(name).replace("-", "_").replace(".", "_")) or _fact(hostvars, str(name)) or {}
        if not isinstance(iface, dict):
            continue
        entries = []
        ipv4 = iface.get("ipv4")
        if isinstance(ipv4, dict):
            entries.append(ipv4)
        entries.extend(iface.get("ipv4_secondaries") or [])
        entries.extend(iface.get("ipv6") or [])
        for entry in entries:
            try:
                if address(entry.get("address")) == ip:
                    return host_network(str(ip), entry.get("prefix") or entry.get("netmask"))
            except (AttributeError, ValueError):
                continue
    default = _fact(hostvars, "default_ipv4") or {}
    if address(default.get("address")) == ip and (default.get("prefix") or default.get("netmask")):
        return host_network(str(ip), default.get("prefix") or default.get("netmask"))
    return ""


def join_host_port(host, port):
    """host:port, with an IPv6 address in brackets (Go's net.JoinHostPort, what kubeadm splits)."""
    host = str(host)
    return "[%s]:%s" % (host, port) if ":" in host and not host.startswith("[") else "%s:%s" % (host, port)


def cert_san_valid(value):
    """What kubeadm accepts in apiServer.certSANs: an IP, a DNS-1123 subdomain or a wildcard one (*.x)."""
    if not isinstance(value, str):
        return False
    if address(value) is not None or dns1123_subdomain(value):
        return True
    return value.startswith("*.") and dns1123_subdomain(value[2:])


def dns1123_label(value):
    """True when value is a lowercase RFC 1123 label (a valid namespace name): at most 63 characters, no dot."""
    return isinstance(value, str) and len(value) <= 63 and "." not in value and bool(_DNS1123_SUBDOMAIN.match(value))


def dns1123_subdomain(value):
    """True when value is a lowercase RFC 1123 subdomain (a valid Kubernetes node name)."""
    return isinstance(value, str) and len(value) <= 253 and bool(_DNS1123_SUBDOMAIN.match(value))


def source_endpoint(value, default_scheme="https"):
    """Split an artifact source (URL or image repository without scheme) into scheme, host, port."""
    result = {"valid": False, "scheme": "", "host": "", "port": 0, "error": ""}
    if not isinstance(value, str) or not value.strip():
        result["error"] = "empty"
        return result
    text = value.strip()
    if "://" not in text:
        text = "%s://%s" % (default_scheme, text)
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        result["error"] = str(exc)
        return result
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        result["error"] = "scheme %r is not http or https" % parts.scheme
        return result
    host = parts.hostname or ""
    if not host or any(c.isspace() for c in text) or (address(host) is None and not dns1123_subdomain(host.lower())):
        result["error"] = "no valid host name"
        return result
    result.update(valid=True, scheme=scheme, host=host, port=port or _DEFAULT_PORTS[scheme])
    return result
