# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Network filters of seed.kubeadm: CIDR validity and overlap, node networks, source endpoints.

Each filter is documented in the sidecar file ``plugins/filter/<filter name>.yml``.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from ansible.errors import AnsibleFilterError

try:
    import netaddr
except ImportError:  # pragma: no cover - exercised only without netaddr
    netaddr = None

_DNS_LABEL = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_DNS1123_SUBDOMAIN = re.compile(r"^%s(\.%s)*$" % (_DNS_LABEL, _DNS_LABEL))
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _require_netaddr():
    if netaddr is None:  # pragma: no cover - exercised only without netaddr
        raise AnsibleFilterError("the seed.kubeadm network filters need the Python library netaddr on the controller (pip install netaddr)")


def _network(value):
    """An IPNetwork for a CIDR string (with a prefix length), or None when invalid."""
    _require_netaddr()
    if not isinstance(value, str) or "/" not in value or value != value.strip():
        return None
    address, prefix = value.split("/", 1)
    if not prefix.isdigit() or _address(address) is None:
        return None
    try:
        return netaddr.IPNetwork(value)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def _address(value):
    """An IPAddress for a plain address string, or None when invalid."""
    _require_netaddr()
    if not isinstance(value, str) or not value or value != value.strip() or "/" in value:
        return None
    try:
        # INET_PTON: no legacy forms such as "10.1" or "010.0.0.1".
        return netaddr.IPAddress(value, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return None


def cidr_valid(value, strict=False):
    """True when value is an IPv4 or IPv6 network in CIDR notation (address/prefix).

    With strict=True the address must be the network address (no host bits set).
    """
    network = _network(value)
    if network is None:
        return False
    if strict and network.ip != network.network:
        return False
    return True


def _checked_network(value, what="value"):
    network = _network(value)
    if network is None:
        raise AnsibleFilterError("%s %r is not a CIDR (address/prefix, e.g. 10.244.0.0/16)" % (what, value))
    return network


def cidrs_overlap(first, second):
    """True when two CIDRs share at least one address (IPv4 and IPv6 never overlap)."""
    a = _checked_network(first)
    b = _checked_network(second)
    if a.version != b.version:
        return False
    return a.first <= b.last and b.first <= a.last


def overlapping_cidrs(networks):
    """Pairs of overlapping networks.

    networks is a dict name -> CIDR (pairs of names are returned) or a list of CIDRs (pairs of
    CIDRs are returned). Invalid CIDRs are ignored (check them with cidr_valid). Each pair appears
    once, in input order.
    """
    if isinstance(networks, dict):
        items = list(networks.items())
    elif isinstance(networks, (list, tuple)):
        items = [(value, value) for value in networks]
    else:
        raise AnsibleFilterError("overlapping_cidrs expects a dict name -> CIDR or a list of CIDRs, got %s" % type(networks).__name__)
    parsed = [(name, _network(value)) for name, value in items]
    parsed = [(name, net) for name, net in parsed if net is not None]
    pairs = []
    for index, (name_a, net_a) in enumerate(parsed):
        for name_b, net_b in parsed[index + 1:]:
            if net_a.version == net_b.version and net_a.first <= net_b.last and net_b.first <= net_a.last:
                pairs.append([name_a, name_b])
    return pairs


def ip_in_network(address, network):
    """True when the IP address lies inside the CIDR. False for an invalid address."""
    net = _checked_network(network, "network")
    ip = _address(address)
    if ip is None or ip.version != net.version:
        return False
    return ip in net


def ip_valid(value):
    """True when value is a plain IPv4 or IPv6 address (no prefix)."""
    return _address(value) is not None


def host_network(address, prefix=None):
    """The network (CIDR, network address) of a host address with a prefix length or netmask.

    address may carry the prefix itself ("192.168.1.10/24"); prefix may be a length (24, "24")
    or an IPv4 netmask ("255.255.255.0").
    """
    _require_netaddr()
    if prefix is None:
        if not isinstance(address, str) or "/" not in address:
            raise AnsibleFilterError("host_network: %r has no prefix; pass one, e.g. '%s' | host_network(24)" % (address, address))
        address, prefix = address.split("/", 1)
    ip = _address(address)
    if ip is None:
        raise AnsibleFilterError("host_network: %r is not an IP address" % (address,))
    prefix = str(prefix).strip()
    if not prefix.isdigit():
        mask = _address(prefix)
        if mask is None or mask.version != 4 or ip.version != 4 or not mask.is_netmask():
            raise AnsibleFilterError("host_network: %r is neither a prefix length nor an IPv4 netmask" % (prefix,))
        prefix = str(mask.netmask_bits())
    if int(prefix) > (32 if ip.version == 4 else 128):
        raise AnsibleFilterError("host_network: prefix /%s is too long for %s" % (prefix, ip))
    return str(netaddr.IPNetwork("%s/%s" % (ip, prefix)).cidr)


def _fact(hostvars, name):
    facts = hostvars.get("ansible_facts") or {}
    if name in facts:
        return facts[name]
    return hostvars.get("ansible_" + name)


def node_network(hostvars, address=None):
    """The network (CIDR) a host's address belongs to, from its gathered network facts.

    hostvars is the host's hostvars entry; address defaults to the host's default IPv4 address.
    Returns an empty string when the facts do not know the address.
    """
    if not hasattr(hostvars, "get"):
        raise AnsibleFilterError("node_network expects a hostvars entry, got %s" % type(hostvars).__name__)
    if not address:
        address = (_fact(hostvars, "default_ipv4") or {}).get("address")
    ip = _address(address) if address else None
    if ip is None:
        return ""
    interfaces = _fact(hostvars, "interfaces") or []
    for name in interfaces:
        iface = _fact(hostvars, str(name).replace("-", "_")) or {}
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
                if _address(entry.get("address")) == ip:
                    return host_network(str(ip), entry.get("prefix") or entry.get("netmask"))
            except (AttributeError, AnsibleFilterError):
                continue
    default = _fact(hostvars, "default_ipv4") or {}
    if _address(default.get("address")) == ip and (default.get("prefix") or default.get("netmask")):
        return host_network(str(ip), default.get("prefix") or default.get("netmask"))
    return ""


def dns1123_subdomain(value):
    """True when value is a lowercase RFC 1123 subdomain (a valid Kubernetes node name)."""
    return isinstance(value, str) and len(value) <= 253 and bool(_DNS1123_SUBDOMAIN.match(value))


def source_endpoint(value, default_scheme="https"):
    """Split an artifact source into scheme, host and port.

    value is a URL (https://pkgs.k8s.io/core:/stable:) or an image repository without a scheme
    (registry.k8s.io, registry.example.com:5000/k8s). Returns a dict with valid (bool), scheme,
    host, port and error (why it is not valid).
    """
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
    if not host or any(c.isspace() for c in text) or (_address(host) is None and not dns1123_subdomain(host.lower())):
        result["error"] = "no valid host name"
        return result
    result.update(valid=True, scheme=scheme, host=host, port=port or _DEFAULT_PORTS[scheme])
    return result


class FilterModule:
    """Network filters."""

    def filters(self):
        return {
            "cidr_valid": cidr_valid,
            "cidrs_overlap": cidrs_overlap,
            "overlapping_cidrs": overlapping_cidrs,
            "ip_in_network": ip_in_network,
            "ip_valid": ip_valid,
            "host_network": host_network,
            "node_network": node_network,
            "dns1123_subdomain": dns1123_subdomain,
            "source_endpoint": source_endpoint,
        }
