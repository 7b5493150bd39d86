#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import (absolute_import, division, print_function)
__metaclass__ = type

DOCUMENTATION = r"""
module: cluster_facts
short_description: Compute the cluster once, on the controller, from the inventory, the settings and the probe
version_added: 0.2.0
description:
  - Works out everything the roles of seed.kubeadm derive from the inventory, the cluster settings
    and the live probe of the hosts, in one place; each host's cluster address, network, Kubernetes
    node name and the services it carries, the API endpoint and the hosts that hold its VIP, the
    haproxy backends, the first control-plane host from live state, the image and package
    locations of the source mode, the containerd registry hosts, the firewall openings of every
    host, what the preflight probe must check, and the list of problems preflight reports.
  - Runs on the controller only (action plugin); reads the variables of the current host for the
    cluster-wide settings and C(hostvars) of every host of the inventory groups C(k8s_cluster),
    C(control_plane), C(workers), C(apiserver_lb), C(ingress), C(nfs_server) and C(init).
  - Returns the facts as RV(cluster_facts); the roles of the collection store them as the variable
    C(cluster_facts) (role C(cluster), task file C(facts.yml)) and only read them.
author:
  - Seed developers (!UNKNOWN)
options:
  probe:
    description:
      - Name of the registered variable that holds each host's result of M(seed.kubeadm.preflight_probe).
      - Without it the first control-plane host is the first host of group C(control_plane) and
        the checks that need the probe (resources, ports, reachability, running versions, cgroups) find nothing.
    type: str
    default: ''
  problems:
    description: Whether to compute RV(cluster_facts.problems) (an empty list otherwise).
    type: bool
    default: true
extends_documentation_fragment:
  - seed.kubeadm.attributes
  - seed.kubeadm.attributes.read_only
notes:
  - The computation is plain Python in C(plugins/module_utils/cluster.py), unit-tested directly.
seealso:
  - module: seed.kubeadm.preflight_probe
"""

EXAMPLES = r"""
- name: Compute the cluster facts once
  seed.kubeadm.cluster_facts:
  register: computed
  run_once: true

- name: Keep them on every host of the play
  ansible.builtin.set_fact:
    cluster_facts: "{{ computed.cluster_facts }}"
  run_once: true

- name: Show the API endpoint
  ansible.builtin.debug:
    msg: "{{ cluster_facts.api.endpoint }} held by {{ cluster_facts.api.lb_hosts | join(', ') }}"
"""

RETURN = r"""
cluster_facts:
  description: The cluster, computed once.
  returned: always
  type: dict
  contains:
    hosts:
      description:
        - Per inventory host, C(address), C(network), C(node_name) and C(roles)
          (among control_plane, worker, api_lb, ingress, ingress_vip, nfs_server, init).
      type: dict
    control_plane:
      description: Hosts of group C(control_plane), in inventory order.
      type: list
      elements: str
    workers:
      description: Hosts of group C(workers), in inventory order.
      type: list
      elements: str
    nodes:
      description: Every Kubernetes node, control plane first.
      type: list
      elements: str
    node_names:
      description: Kubernetes node name of each node.
      type: dict
    first_control_plane:
      description: The first control-plane host the probe found running a control plane, else the first host of the group.
      type: str
    api:
      description: C(vip), C(name), C(port), C(lb_port), C(host), C(endpoint), C(lb_hosts), C(backends) and C(cert_sans) of the API server.
      type: dict
    ingress:
      description: C(vip) and C(hosts) of the ingress controller.
      type: dict
    cri_socket:
      description: The CRI socket of every node.
      type: str
    admin_kubeconfig:
      description: Path of the admin kubeconfig on control-plane hosts.
      type: str
    python_kubernetes_package:
      description: OS package of the Python Kubernetes client the kubernetes.core modules need on the nodes.
      type: str
    sources:
      description: C(mode), C(kubernetes_minor), C(image_repository), C(image_rewrite), C(package_url), C(offline) and C(registry_hosts) of the artifact source.
      type: dict
    firewall:
      description: Per host, the C(ports), C(protocols) and C(trusted_sources) to open.
      type: dict
    probe:
      description: What the preflight probe checks; C(endpoints) (all hosts) and C(ports) per host.
      type: dict
    missing_facts:
      description: Hosts whose address needs network facts that were not gathered.
      type: list
      elements: str
    problems:
      description: Every problem preflight reports, one line each naming the variable or host and the fix.
      type: list
      elements: str
  sample:
    api: {endpoint: "192.168.10.100:16443", lb_hosts: [cp1, cp2, cp3]}
"""

if __name__ == "__main__":
    from ansible.module_utils.basic import AnsibleModule

    AnsibleModule(argument_spec=dict(probe=dict(type="str", default=""), problems=dict(type="bool", default=True)),
                  supports_check_mode=True).fail_json(msg="seed.kubeadm.cluster_facts runs on the controller as an action plugin")
