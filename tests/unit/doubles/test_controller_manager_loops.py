"""controller-manager stand-in: CSR approval and signing, bootstrap signer, workload status, node
lifecycle, leader election, command line; run against the in-process API server stand-in."""

import base64
import copy
import datetime
import json

import pytest

import kube_controller_manager as kcm
from seed_doubles import component
from seed_doubles.kube import ApiError

from .test_apiserver_auth import in_hours, kubeadm_bootstrap_rbac, token_secret

CSRS = "/apis/certificates.k8s.io/v1/certificatesigningrequests"


class Log:
    def __init__(self):
        self.lines = []

    def __call__(self, level, msg, *args):
        self.lines.append(level + " " + (msg % args if args else msg))


def manager(api, **flags):
    client = api.client("system:kube-controller-manager")
    base = {"cluster-signing-cert-file": api.pki.ca_file, "cluster-signing-key-file": api.pki.ca_key_file,
            "root-ca-file": api.pki.ca_file, "controllers": "*,bootstrapsigner,tokencleaner"}
    base.update(flags)
    return kcm.ControllerManager(client, base, Log())


def csr_body(pem, name="node-csr-1", usages=("digital signature", "client auth"),
             signer="kubernetes.io/kube-apiserver-client-kubelet"):
    return {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
            "metadata": {"name": name},
            "spec": {"request": base64.b64encode(pem).decode(), "signerName": signer, "usages": list(usages)}}


def verify_issued(api, csr, cn):
    from cryptography import x509
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    cert = x509.load_pem_x509_certificate(base64.b64decode(csr["status"]["certificate"]))
    api.pki.ca_cert.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                                        ec.ECDSA(cert.signature_hash_algorithm))
    assert cert.issuer == api.pki.ca_cert.subject
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == cn
    assert cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == "system:nodes"
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    return cert


def test_kubelet_tls_bootstrap_csr_is_approved_and_signed(api):
    admin = api.admin()
    kubeadm_bootstrap_rbac(admin)
    admin.create("/api/v1/namespaces/kube-system/secrets",
                 token_secret("abcdef", "0123456789abcdef", expiration=in_hours(1)))
    kubelet = api.client(token="abcdef.0123456789abcdef")
    pem, _key = api.pki.csr("system:node:worker-1", ["system:nodes"])
    created = kubelet.create(CSRS, csr_body(pem))
    assert created["spec"]["username"] == "system:bootstrap:abcdef"
    assert "system:bootstrappers:kubeadm:default-node-token" in created["spec"]["groups"]
    ctl = manager(api)
    ctl.sync_once()
    done = kubelet.get(CSRS + "/node-csr-1")
    approved = [c for c in done["status"]["conditions"] if c["type"] == "Approved"]
    assert approved[0]["reason"] == "AutoApproved" and approved[0]["status"] == "True"
    assert approved[0]["message"] == "Auto approving kubelet client certificate after SubjectAccessReview."
    cert = verify_issued(api, done, "system:node:worker-1")
    now = datetime.datetime.now(datetime.timezone.utc)
    lifetime = cert.not_valid_after_utc - now
    assert datetime.timedelta(days=364) < lifetime <= datetime.timedelta(days=366)
    assert cert.not_valid_before_utc < now - datetime.timedelta(minutes=4)


def test_self_node_client_renewal_and_expiration_seconds(api):
    admin = api.admin()
    kubeadm_bootstrap_rbac(admin)
    node = api.client("system:node:worker-1", ["system:nodes"])
    pem, _ = api.pki.csr("system:node:worker-1", ["system:nodes"])
    body = csr_body(pem, "renew")
    body["spec"]["expirationSeconds"] = 3600
    node.create(CSRS, body)
    manager(api).sync_once()
    done = admin.get(CSRS + "/renew")
    assert "self kubelet client" in done["status"]["conditions"][0]["message"]
    cert = verify_issued(api, done, "system:node:worker-1")
    assert cert.not_valid_after_utc - cert.not_valid_before_utc <= datetime.timedelta(seconds=3600 + 300)


def test_csr_without_autoapprove_binding_stays_pending(api):
    admin = api.admin()
    pem, _ = api.pki.csr("system:node:worker-2", ["system:nodes"])
    api.client("system:node:worker-2", ["system:nodes"]).create(CSRS, csr_body(pem, "pending"))
    manager(api).sync_once()
    assert not admin.get(CSRS + "/pending").get("status", {}).get("conditions")


def test_approved_invalid_kubelet_csr_fails(api):
    admin = api.admin()
    pem, _ = api.pki.csr("someone", ["other"])
    created = admin.create(CSRS, csr_body(pem, "bad"))
    created.setdefault("status", {})["conditions"] = [{"type": "Approved", "status": "True", "reason": "Manual"}]
    admin.replace(CSRS + "/bad/approval", created)
    manager(api).sync_once()
    status = admin.get(CSRS + "/bad")["status"]
    assert "certificate" not in status
    assert any(c["type"] == "Failed" and c["reason"] == "SignerValidationFailure" for c in status["conditions"])


def test_approval_needs_signer_permission(api):
    admin = api.admin()
    pem, _ = api.pki.csr("system:node:w", ["system:nodes"])
    created = admin.create(CSRS, csr_body(pem, "x"))
    created.setdefault("status", {})["conditions"] = [{"type": "Approved", "status": "True", "reason": "r"}]
    nobody = api.client("nobody")
    with pytest.raises(ApiError) as err:
        nobody.replace(CSRS + "/x/approval", created)
    assert err.value.status == 403


def node(name, ready=True, taints=None, labels=None, heartbeat=None):
    beat = heartbeat or datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": dict({"kubernetes.io/os": "linux"}, **(labels or {}))},
            "spec": {"taints": taints} if taints else {},
            "status": {"conditions": [{"type": "Ready", "status": "True" if ready else "False",
                                       "lastHeartbeatTime": beat, "lastTransitionTime": beat,
                                       "reason": "KubeletReady"}]}}


CONTROL_PLANE_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def test_workload_status(api):
    admin = api.admin()
    admin.create("/api/v1/nodes", node("cp1", taints=[CONTROL_PLANE_TAINT],
                                       labels={"node-role.kubernetes.io/control-plane": ""}))
    admin.create("/api/v1/nodes", node("w1"))
    admin.create("/api/v1/nodes", node("w2", ready=False))
    template = {"metadata": {"labels": {"app": "a"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}
    ds_path = "/apis/apps/v1/namespaces/kube-system/daemonsets"
    admin.create(ds_path, {"metadata": {"name": "plain"}, "spec": {"selector": {"matchLabels": {"app": "a"}},
                                                                  "template": template}})
    tolerating = json.loads(json.dumps(template))
    tolerating["spec"]["tolerations"] = [{"operator": "Exists"}]
    admin.create(ds_path, {"metadata": {"name": "everywhere"},
                           "spec": {"selector": {"matchLabels": {"app": "a"}}, "template": tolerating}})
    dep_path = "/apis/apps/v1/namespaces/kube-system/deployments"
    admin.create(dep_path, {"metadata": {"name": "coredns"}, "spec": {"replicas": 2, "selector": {
        "matchLabels": {"app": "a"}}, "template": template}})
    sts_path = "/apis/apps/v1/namespaces/kube-system/statefulsets"
    admin.create(sts_path, {"metadata": {"name": "db"}, "spec": {"selector": {"matchLabels": {"app": "a"}},
                                                                "template": template, "serviceName": "db"}})
    manager(api).sync_once()
    plain = admin.get(ds_path + "/plain")["status"]
    assert plain["desiredNumberScheduled"] == 1 and plain["numberReady"] == 1
    every = admin.get(ds_path + "/everywhere")
    assert every["status"]["desiredNumberScheduled"] == 2 == every["status"]["updatedNumberScheduled"]
    assert every["status"]["observedGeneration"] == every["metadata"]["generation"]
    dep = admin.get(dep_path + "/coredns")
    assert dep["status"]["readyReplicas"] == 2 == dep["status"]["availableReplicas"]
    assert dep["status"]["observedGeneration"] == 1 and "unavailableReplicas" not in dep["status"]
    assert {c["type"]: c["status"] for c in dep["status"]["conditions"]} == {"Available": "True",
                                                                            "Progressing": "True"}
    sts = admin.get(sts_path + "/db")["status"]
    assert sts["readyReplicas"] == 1 and sts["currentRevision"] == sts["updateRevision"]
    rv = admin.get(ds_path + "/everywhere")["metadata"]["resourceVersion"]
    manager(api).sync_once()  # nothing changed: no write
    assert admin.get(ds_path + "/everywhere")["metadata"]["resourceVersion"] == rv


def test_node_lifecycle_marks_silent_nodes_unknown(api):
    admin = api.admin()
    old = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=120)).strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    admin.create("/api/v1/nodes", node("silent", heartbeat=old))
    admin.create("/api/v1/nodes", node("alive"))
    admin.create("/api/v1/nodes", node("leased", heartbeat=old))
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    admin.create("/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases", {
        "metadata": {"name": "leased"}, "spec": {"holderIdentity": "leased", "renewTime": now,
                                                 "leaseDurationSeconds": 40}})
    manager(api).sync_once()
    silent = admin.get("/api/v1/nodes/silent")
    ready = [c for c in silent["status"]["conditions"] if c["type"] == "Ready"][0]
    assert ready["status"] == "Unknown" and ready["reason"] == "NodeStatusUnknown"
    assert ready["message"] == "Kubelet stopped posting node status."
    assert {(t["key"], t["effect"]) for t in silent["spec"]["taints"]} == {
        ("node.kubernetes.io/unreachable", "NoSchedule"), ("node.kubernetes.io/unreachable", "NoExecute")}
    for name in ("alive", "leased"):
        got = admin.get("/api/v1/nodes/" + name)
        assert got["status"]["conditions"][0]["status"] == "True" and not got["spec"].get("taints")
    # the kubelet comes back: the taints go
    admin.patch("/api/v1/nodes/silent/status", {"status": {"conditions": [
        {"type": "Ready", "status": "True", "lastHeartbeatTime": now}]}}, kind="strategic")
    manager(api).sync_once()
    assert not admin.get("/api/v1/nodes/silent")["spec"].get("taints")


def test_bootstrap_signer_token_cleaner_and_root_ca(api):
    admin = api.admin()
    admin.create("/api/v1/namespaces/kube-public/configmaps", {"metadata": {"name": "cluster-info"},
                                                              "data": {"kubeconfig": "apiVersion: v1\n"}})
    admin.create("/api/v1/namespaces/kube-system/secrets", token_secret("abcdef", "0123456789abcdef",
                                                                        expiration=in_hours(1)))
    admin.create("/api/v1/namespaces/kube-system/secrets", token_secret("oldtok", "0123456789abcdef",
                                                                        expiration=in_hours(-1)))
    manager(api).sync_once()
    data = admin.get("/api/v1/namespaces/kube-public/configmaps/cluster-info")["data"]
    assert set(data) == {"kubeconfig", "jws-kubeconfig-abcdef"}
    assert data["jws-kubeconfig-abcdef"] == kcm.jws_detached("apiVersion: v1\n", "abcdef", "0123456789abcdef")
    header = data["jws-kubeconfig-abcdef"].split("..")[0]
    assert json.loads(base64.urlsafe_b64decode(header + "==")) == {"alg": "HS256", "kid": "abcdef"}
    with pytest.raises(ApiError):
        admin.get("/api/v1/namespaces/kube-system/secrets/bootstrap-token-oldtok")
    root = admin.get("/api/v1/namespaces/kube-public/configmaps/kube-root-ca.crt")
    assert root["data"]["ca.crt"] == api.pki.ca_pem.decode()


def test_leader_election(api):
    first = component.LeaderElector(api.client("system:kube-controller-manager"), "kube-controller-manager",
                                    "kube-system", {}, Log())
    second = component.LeaderElector(api.client("system:kube-controller-manager"), "kube-controller-manager",
                                     "kube-system", {}, Log())
    assert first.try_acquire() is True
    assert second.try_acquire() is False
    assert first.try_acquire() is True
    lease = api.admin().get("/apis/coordination.k8s.io/v1/namespaces/kube-system/leases/kube-controller-manager")
    assert lease["spec"]["holderIdentity"] == first.identity
    off = component.LeaderElector(None, "x", "kube-system", {"leader-elect": "false"}, Log())
    assert off.try_acquire() is True


def test_leader_election_durations_are_checked_as_client_go_does():
    def err(**flags):
        return component.LeaderElector(None, "x", "kube-system",
                                       {"leader-elect-" + k.replace("_", "-"): v for k, v in flags.items()}, Log()).error()
    assert err() is None                                          # 15s, 10s, 2s
    assert err(lease_duration="10s") == "leaseDuration must be greater than renewDeadline"
    assert err(retry_period="9s") == "renewDeadline must be greater than retryPeriod*JitterFactor"
    assert err(retry_period="0s") == "retryPeriod must be greater than zero"
    assert err(retry_period="-2s") == "retryPeriod must be greater than zero"
    assert err(renew_deadline="0s", lease_duration="0s") == "leaseDuration must be greater than renewDeadline"
    assert component.LeaderElector(None, "x", "ns", {"leader-elect": "false", "leader-elect-retry-period": "0s"},
                                   Log()).error() is None


class _FlakyLeases:
    """A Lease API whose answers can be switched off; records nothing else."""

    def __init__(self):
        self.lease, self.down = None, False

    def get(self, path):
        if self.down:
            raise OSError("connection refused")
        if self.lease is None:
            raise ApiError(404, "not found")
        return copy.deepcopy(self.lease)

    def create(self, path, body):
        if self.down:
            raise OSError("connection refused")
        self.lease = copy.deepcopy(body)
        return body

    def replace(self, path, body):
        if self.down:
            raise OSError("connection refused")
        self.lease = copy.deepcopy(body)
        return body


def test_a_leader_keeps_its_lease_until_the_renew_deadline_then_gives_up(monkeypatch):
    clock = {"now": 100.0}
    monkeypatch.setattr(component.time, "monotonic", lambda: clock["now"])
    api = _FlakyLeases()
    leader = component.LeaderElector(api, "kube-scheduler", "kube-system", {}, Log())
    assert leader.try_acquire() is True and leader.next_wait() == 2
    api.down = True
    for _ in range(5):                       # the round starts a retry period after the success: 10 s of it
        clock["now"] += 2
        assert leader.try_acquire() is True
    clock["now"] += 2                        # 12 s after the last success: the renew deadline has passed
    with pytest.raises(component.LeaderElectionLost):
        leader.try_acquire()
    assert leader.leading is False


def test_a_candidate_waits_for_the_lease_to_go_unchanged_for_its_duration(monkeypatch):
    clock = {"now": 100.0}
    monkeypatch.setattr(component.time, "monotonic", lambda: clock["now"])
    api = _FlakyLeases()
    leader = component.LeaderElector(api, "kube-scheduler", "kube-system", {}, Log())
    candidate = component.LeaderElector(api, "kube-scheduler", "kube-system", {}, Log())
    assert leader.try_acquire() is True
    # the holder's renewTime lies in the past by the candidate's clock: expiry counts from when the
    # candidate last saw the record change, not from renewTime
    api.lease["spec"]["renewTime"] = "2000-01-01T00:00:00.000000Z"
    assert candidate.try_acquire() is False
    waits = {round(candidate.next_wait(), 3) for _ in range(200)}
    assert min(waits) >= 2 and max(waits) <= 4.4 and len(waits) > 1     # jittered retries
    clock["now"] += 14
    assert candidate.try_acquire() is False
    clock["now"] += 1                        # 15 s without a change: taken over
    assert candidate.try_acquire() is True
    assert api.lease["spec"]["holderIdentity"] == candidate.identity and api.lease["spec"]["leaseTransitions"] == 1


KUBEADM_KCM_FLAGS = [
    "--allocate-node-cidrs=true", "--authentication-kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--authorization-kubeconfig=/etc/kubernetes/controller-manager.conf", "--bind-address=127.0.0.1",
    "--client-ca-file=/etc/kubernetes/pki/ca.crt", "--cluster-cidr=10.244.0.0/16", "--cluster-name=kubernetes",
    "--cluster-signing-cert-file=/etc/kubernetes/pki/ca.crt", "--cluster-signing-key-file=/etc/kubernetes/pki/ca.key",
    "--controllers=*,bootstrapsigner,tokencleaner", "--kubeconfig=/etc/kubernetes/controller-manager.conf",
    "--leader-elect=true", "--requestheader-client-ca-file=/etc/kubernetes/pki/front-proxy-ca.crt",
    "--root-ca-file=/etc/kubernetes/pki/ca.crt", "--service-account-private-key-file=/etc/kubernetes/pki/sa.key",
    "--service-cluster-ip-range=10.96.0.0/12", "--use-service-account-credentials=true"]


def test_command_line(capsys):
    flags, rc = component.parse_command_line(KUBEADM_KCM_FLAGS, kcm.KNOWN_FLAGS, kcm.BOOL_FLAGS, kcm.USAGE, Log())
    assert rc is None and flags["controllers"] == "*,bootstrapsigner,tokencleaner"
    assert kcm.main(["--bogus-flag=1"]) == 1
    assert capsys.readouterr().err.startswith("Error: unknown flag: --bogus-flag\n")
    import kube_scheduler
    sched = ["--authentication-kubeconfig=/etc/kubernetes/scheduler.conf",
             "--authorization-kubeconfig=/etc/kubernetes/scheduler.conf", "--bind-address=127.0.0.1",
             "--kubeconfig=/etc/kubernetes/scheduler.conf", "--leader-elect=true"]
    flags, rc = component.parse_command_line(sched, kube_scheduler.KNOWN_FLAGS, kube_scheduler.BOOL_FLAGS, "", Log())
    assert rc is None and flags["bind-address"] == "127.0.0.1"
    assert kube_scheduler.main(["--nope"]) == 1
    assert "Error: unknown flag: --nope" in capsys.readouterr().err


def test_health_endpoint(tmp_path):
    import http.client
    import ssl
    server = component.serve_health({"bind-address": "127.0.0.1", "secure-port": "0", "cert-dir": str(tmp_path)},
                                    10257, "kube-controller-manager")
    try:
        ctx = ssl._create_unverified_context()
        for path in ("/healthz", "/livez", "/readyz"):
            conn = http.client.HTTPSConnection("127.0.0.1", server.server_address[1], context=ctx)
            conn.request("GET", path)
            resp = conn.getresponse()
            assert (resp.status, resp.read()) == (200, b"ok")
    finally:
        server.shutdown()


def test_programs_run_with_kubeadm_flags(api, tmp_path):
    """kube_controller_manager.py and kube_scheduler.py as processes: they take the lease and serve health."""
    import os
    import socket
    import subprocess
    import sys
    import time

    from .conftest import DOUBLES

    def free_port():
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            return sock.getsockname()[1]
    kcm_conf = api.pki.kubeconfig("controller-manager.conf", api.url, "system:kube-controller-manager")
    sched_conf = api.pki.kubeconfig("scheduler.conf", api.url, "system:kube-scheduler")
    kcm_args = [a.replace("/etc/kubernetes/controller-manager.conf", kcm_conf)
                .replace("/etc/kubernetes/pki/ca.crt", api.pki.ca_file)
                .replace("/etc/kubernetes/pki/ca.key", api.pki.ca_key_file) for a in KUBEADM_KCM_FLAGS]
    env = dict(os.environ, PYTHONPATH=DOUBLES)
    procs = [
        subprocess.Popen([sys.executable, os.path.join(DOUBLES, "kube_controller_manager.py")] + kcm_args +
                         ["--secure-port=%d" % free_port(), "--cert-dir=%s" % (tmp_path / "kcm")], env=env,
                         stdout=subprocess.DEVNULL, stderr=open(tmp_path / "kcm.log", "wb")),
        subprocess.Popen([sys.executable, os.path.join(DOUBLES, "kube_scheduler.py"),
                          "--authentication-kubeconfig=" + sched_conf, "--authorization-kubeconfig=" + sched_conf,
                          "--bind-address=127.0.0.1", "--kubeconfig=" + sched_conf, "--leader-elect=true",
                          "--secure-port=%d" % free_port()], env=env,
                         stdout=subprocess.DEVNULL, stderr=open(tmp_path / "sched.log", "wb"))]
    try:
        admin = api.admin()
        leases = "/apis/coordination.k8s.io/v1/namespaces/kube-system/leases"
        deadline = time.monotonic() + 15
        names = set()
        while time.monotonic() < deadline and names != {"kube-controller-manager", "kube-scheduler"}:
            names = {lease["metadata"]["name"] for lease in admin.get(leases)["items"]}
            time.sleep(0.2)
        assert names == {"kube-controller-manager", "kube-scheduler"}, (tmp_path / "kcm.log").read_text()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                admin.get("/api/v1/namespaces/default/configmaps/kube-root-ca.crt")
                break
            except ApiError:
                time.sleep(0.2)
        assert admin.get("/api/v1/namespaces/default/configmaps/kube-root-ca.crt")["data"]["ca.crt"]
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            proc.wait(10)


def test_programs_refuse_bad_leader_election_durations_as_a_go_panic(api, tmp_path):
    import os
    import subprocess
    import sys
    from .conftest import DOUBLES
    sched_conf = api.pki.kubeconfig("scheduler.conf", api.url, "system:kube-scheduler")
    kcm_conf = api.pki.kubeconfig("controller-manager.conf", api.url, "system:kube-controller-manager")
    env = dict(os.environ, PYTHONPATH=DOUBLES)
    def run(program, conf, *extra):
        return subprocess.run([sys.executable, os.path.join(DOUBLES, program), "--kubeconfig=" + conf,
                               "--bind-address=127.0.0.1", "--secure-port=0", "--cert-dir=%s" % tmp_path] + list(extra),
                              env=env, capture_output=True, text=True, timeout=60, check=False)
    bad = ("--leader-elect-lease-duration=1s", "--leader-elect-renew-deadline=2s")
    # kube-controller-manager: leaderelection.RunOrDie panics
    proc = run("kube_controller_manager.py", kcm_conf, *bad)
    assert proc.returncode == 2 and "panic: leaseDuration must be greater than renewDeadline\n" in proc.stderr
    # kube-scheduler: NewLeaderElector's error ends the command
    proc = run("kube_scheduler.py", sched_conf, *bad)
    assert proc.returncode == 1, proc.stderr
    assert '"command failed" err="couldn\'t create leader elector: leaseDuration must be greater than renewDeadline"' in proc.stderr
    # a negative duration parses, and is then refused
    proc = run("kube_controller_manager.py", kcm_conf, "--leader-elect-retry-period=-1s")
    assert proc.returncode == 2 and "panic: retryPeriod must be greater than zero" in proc.stderr
    # a duration without its unit is a flag error
    proc = run("kube_scheduler.py", sched_conf, "--leader-elect-retry-period=10")
    assert proc.returncode == 1
    assert proc.stderr.startswith('Error: invalid argument "10" for "--leader-elect-retry-period" flag: '
                                  'time: missing unit in duration "10"\n')


def test_go_durations():
    assert component.go_duration("15s") == 15 and component.go_duration("1m30s") == 90
    assert component.go_duration("-1s") == -1 and component.go_duration("0") == 0
    assert component.go_duration("1.5h") == 5400 and component.go_duration("250ms") == 0.25
    for text, message in (("10", 'time: missing unit in duration "10"'), ("", 'time: invalid duration ""'),
                          ("s", 'time: invalid duration "s"'), ("3x", 'time: unknown unit "x" in duration "3x"')):
        with pytest.raises(ValueError) as err:
            component.go_duration(text)
        assert str(err.value) == message


def test_a_pass_lists_each_thing_once_and_forgets_it_on_a_write():
    sent = []

    class Client:
        def get(self, path, **kw):
            sent.append(("GET", path))
            return {"items": [{"n": len(sent)}]}

        def replace(self, path, obj):
            sent.append(("PUT", path))
            return obj
    reads = kcm.PassReads(Client())
    first = reads.get("/api/v1/nodes")
    first["items"].append("changed by a controller")      # a controller's copy, not the shared one
    assert reads.get("/api/v1/nodes") == {"items": [{"n": 1}]}
    assert reads.get("/api/v1/nodes", query={"labelSelector": "a"}) == {"items": [{"n": 2}]}
    reads.replace("/api/v1/nodes/a", {})
    assert reads.get("/api/v1/nodes") == {"items": [{"n": 4}]}
    assert sent == [("GET", "/api/v1/nodes"), ("GET", "/api/v1/nodes"), ("PUT", "/api/v1/nodes/a"), ("GET", "/api/v1/nodes")]
