# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Contracts between rendered files that no single template shows: the probes keepalived runs
reach what haproxy serves, an instance tracks a script it defines, a failover happens once,
haproxy sends traffic only to ready API servers, a missed certificate check runs at boot, and a
join token lives minutes, not hours.

Each of these was a planted bug (tests/mutation/roles.yml) that got past the other fast tests.
"""

from __future__ import annotations

import re

import pytest

from addon_render import AddonRender
from role_render import load_role_file

from ansible_collections.seed.kubeadm.plugins.module_utils.kubeadm import parse_duration

VIP_FACTS = {"interfaces": ["lo", "eth0"], "eth0": {"ipv4": {"address": "10.0.129.84"}}}


def api_lb():
    return AddonRender("apiserver_lb", extra={"cluster_api_vip": "10.0.128.100", "ansible_facts": VIP_FACTS})


def api_instance(renderer):
    [inst] = renderer("__apiserver_lb_keepalived_instances | seed.kubeadm.keepalived_instances(inventory_hostname, "
                      "cluster_facts, ansible_facts, defaults=keepalived_defaults)")
    return inst


def keepalived_renderer(instances):
    return AddonRender("keepalived", extra={
        "keepalived_instances": instances, "ansible_facts": VIP_FACTS, "__keepalived_auth": {"api": "pw", "ingress": "pw"}})


def instance_conf(renderer):
    [inst] = renderer("__keepalived_instances")
    renderer.templar.available_variables = dict(renderer.templar.available_variables, instance=inst)
    return renderer.text("instance.conf.j2")


def block(text, opening):
    """The body of the `opening {` block (nested braces kept)."""
    start = text.index(opening + " {") + len(opening) + 2
    depth, i = 1, start
    while depth:
        depth += {"{": 1, "}": -1}.get(text[i], 0)
        i += 1
    return text[start:i - 1]


def test_keepalived_probes_the_port_haproxy_monitors():
    renderer = api_lb()
    renderer.templar.available_variables = dict(renderer.templar.available_variables,
                                                keepalived_defaults=load_role_file("keepalived/defaults/main.yml")["keepalived_instance_defaults"])
    cfg = renderer.text("haproxy.cfg.j2")
    monitor = block(cfg.replace("frontend apiserver-lb-monitor\n", "frontend apiserver-lb-monitor {\n", 1)
                    .replace("\n\nfrontend kube-apiserver", "\n}\n\nfrontend kube-apiserver", 1), "frontend apiserver-lb-monitor")
    [port] = re.findall(r"bind 127\.0\.0\.1:(\d+)", monitor)
    probed = re.findall(r"/dev/tcp/127\.0\.0\.1/(\d+)", api_instance(renderer)["check"])
    assert probed == [port]


def test_haproxy_sends_traffic_only_to_ready_api_servers():
    # /readyz answers 200 only when ready; 401/403 (authentication) or 5xx must mark the backend down.
    cfg = api_lb().text("haproxy.cfg.j2")
    assert re.findall(r"http-check expect (.+)", cfg) == ["status 200"]
    assert re.findall(r"http-check send meth GET uri (\S+)", cfg) == ["/readyz"]


@pytest.mark.parametrize("check", ["/usr/bin/true", ""])
def test_an_instance_tracks_only_scripts_it_defines(check):
    conf = instance_conf(keepalived_renderer([{"name": "api", "vip": "10.0.128.100", "hosts": ["cp1"], "check": check}]))
    defined = set(re.findall(r"^vrrp_script (\S+) \{", conf, re.M))
    tracked = set(block(conf, "track_script").split()) if "track_script" in conf else set()
    assert tracked == defined
    assert bool(check) == bool(defined)


def test_failover_happens_once_by_default():
    # Every host starts BACKUP and a returning higher-priority host does not take the VIP back
    # (no second interruption); an instance can opt into preemption.
    conf = instance_conf(keepalived_renderer([{"name": "api", "vip": "10.0.128.100", "hosts": ["cp1"]}]))
    body = block(conf, "vrrp_instance api")
    assert "    state BACKUP\n" in body and "    nopreempt\n" in body
    conf = instance_conf(keepalived_renderer([{"name": "api", "vip": "10.0.128.100", "hosts": ["cp1"], "nopreempt": False}]))
    assert "nopreempt" not in conf


def test_missed_certificate_check_runs_when_the_host_is_back():
    renderer = AddonRender("certs")
    timer = renderer.text("seed-kubeadm-certs.timer.j2")
    section = timer.split("[Timer]\n", 1)[1].split("\n[", 1)[0]
    settings = dict(line.split("=", 1) for line in section.splitlines() if "=" in line and not line.startswith("#"))
    assert settings["Persistent"] == "true"
    assert re.fullmatch(r"\*-\*-01 02:00:00", settings["OnCalendar"]), settings


@pytest.mark.parametrize("role, variable", [
    ("control_plane", "control_plane_join_token_ttl"),
    ("worker", "worker_join_token_ttl"),
])
def test_join_tokens_live_minutes(role, variable):
    # A bootstrap token lets anyone who holds it join a node: it lives for one run, not for hours.
    ttl = load_role_file(role + "/defaults/main.yml")[variable]
    assert 0 < parse_duration(str(ttl)) <= 3600, ttl


def test_the_vip_roles_ask_for_a_single_failover():
    assert api_lb()("__apiserver_lb_keepalived_instances")[0]["nopreempt"] is True
    ingress = AddonRender("ingress", extra={"cluster_ingress_vip": "10.0.128.101", "ansible_facts": VIP_FACTS})
    assert ingress("__ingress_keepalived_instances")[0]["nopreempt"] is True


@pytest.mark.parametrize("vip, address", [("10.0.128.100", "10.0.128.100"), ("fd00:10::100", "[fd00:10::100]")])
def test_a_host_that_loses_the_vip_aborts_connections_through_it(vip, address):
    """A client on the VIP holder that talks to its own VIP hangs for ever once the VIP moves: its
    connection's local address is gone, so nothing can reset it. The instance runs the release script
    on every way out of MASTER (BACKUP, FAULT, keepalived stopped), and the script aborts the TCP
    connections whose local address is the VIP."""
    renderer = keepalived_renderer([{"name": "api", "vip": vip, "hosts": ["cp1"]}])
    conf = instance_conf(renderer)
    body = block(conf, "vrrp_instance api")
    notify = dict(re.findall(r'^\s*(notify_\w+)\s+"([^"]+)"\s*$', body, re.M))
    assert notify == {"notify_backup": "/etc/keepalived/release_api.sh", "notify_fault": "/etc/keepalived/release_api.sh",
                      "notify_stop": "/etc/keepalived/release_api.sh"}
    [inst] = renderer("__keepalived_instances")
    files = renderer("__keepalived_files")
    [release] = [f for f in files if f["dest"] == "/etc/keepalived/release_api.sh"]
    assert release["mode"] == "0755" and files.index(release) < [f["src"] for f in files].index("instance.conf.j2")
    renderer.templar.available_variables = dict(renderer.templar.available_variables, instance=inst)
    script = renderer.text("release.sh.j2")
    commands = [line for line in script.splitlines() if line and not line.startswith("#")]
    assert commands == ["ss -K -t -n src %s >/dev/null 2>&1" % address, "exit 0"]
