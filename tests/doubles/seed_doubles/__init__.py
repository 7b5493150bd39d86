"""Shared code of seed.kubeadm's test doubles (test only, never shipped by a role)."""
