# -*- coding: utf-8 -*-
# Copyright: (c) 2026, Seed developers
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The control-plane doubles of tests/doubles, run from unit tests: a throw-away PKI, the API server
stand-in in-process (a thread on 127.0.0.1 with the in-memory store) and the kubeadm double baked for
one release (as tests/doubles/build.sh bakes it), run as a subprocess or imported in-process.

Shared by the tests of the doubles (tests/unit/doubles) and the module tests that run the kubeadm
double as their kubeadm (kubeadm_testlib.KubeadmDouble)."""

import datetime
import ipaddress
import os
import sys

DOUBLES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "doubles")
if DOUBLES not in sys.path:
    sys.path.insert(0, DOUBLES)


class Pki:
    """A CA, an API server serving certificate and client certificates, as PEM bytes and files.

    ``ca``: an existing (certificate, key) to issue from instead of a new CA (a kubeadm tree's CA)."""

    def __init__(self, directory, ca=None):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
        self._x509, self._hashes, self._ser, self._ec = x509, hashes, serialization, ec
        self._eku, self._oid = ExtendedKeyUsageOID, NameOID
        self.dir = str(directory)
        os.makedirs(self.dir, exist_ok=True)
        if ca:
            self.ca_cert, self.ca_key = ca
        else:
            self.ca_key = ec.generate_private_key(ec.SECP256R1())
            name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kubernetes")])
            now = datetime.datetime.now(datetime.timezone.utc)
            ski = x509.SubjectKeyIdentifier.from_public_key(self.ca_key.public_key())
            self.ca_cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                            .public_key(self.ca_key.public_key()).serial_number(x509.random_serial_number())
                            .not_valid_before(now - datetime.timedelta(hours=1))
                            .not_valid_after(now + datetime.timedelta(days=3650))
                            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                            .add_extension(ski, critical=False)
                            .sign(self.ca_key, hashes.SHA256()))
        self.ca_pem = self.ca_cert.public_bytes(serialization.Encoding.PEM)
        self.ca_file = self.write("ca.crt", self.ca_pem)
        self.ca_key_file = self.write("ca.key", self.key_pem(self.ca_key))
        cert, key = self.issue("kube-apiserver", [], server=True)
        self.server_cert_file = self.write("apiserver.crt", cert)
        self.server_key_file = self.write("apiserver.key", key)

    def write(self, name, data):
        path = os.path.join(self.dir, name)
        with open(path, "wb") as handle:
            handle.write(data)
        return path

    def key_pem(self, key):
        return key.private_bytes(self._ser.Encoding.PEM, self._ser.PrivateFormat.PKCS8,
                                 self._ser.NoEncryption())

    def issue(self, cn, orgs=(), server=False, ips=("127.0.0.1",)):
        """(cert PEM, key PEM) signed by the CA; a server certificate names localhost and ``ips``."""
        x509 = self._x509
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        attrs = [x509.NameAttribute(self._oid.ORGANIZATION_NAME, o) for o in orgs]
        attrs.append(x509.NameAttribute(self._oid.COMMON_NAME, cn))
        now = datetime.datetime.now(datetime.timezone.utc)
        builder = (x509.CertificateBuilder().subject_name(x509.Name(attrs)).issuer_name(self.ca_cert.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.ExtendedKeyUsage([self._eku.SERVER_AUTH, self._eku.CLIENT_AUTH] if server
                                                        else [self._eku.CLIENT_AUTH]), critical=False))
        if server:
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.DNSName("localhost")] + [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ips]), critical=False)
        cert = builder.sign(self.ca_key, self._hashes.SHA256())
        return cert.public_bytes(self._ser.Encoding.PEM), self.key_pem(key)

    def csr(self, cn, orgs=(), sans=()):
        """(CSR PEM, key) for ``cn``/``orgs``."""
        x509 = self._x509
        key = self._ec.generate_private_key(self._ec.SECP256R1())
        attrs = [x509.NameAttribute(self._oid.ORGANIZATION_NAME, o) for o in orgs]
        attrs.append(x509.NameAttribute(self._oid.COMMON_NAME, cn))
        builder = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(attrs))
        if sans:
            builder = builder.add_extension(x509.SubjectAlternativeName([x509.DNSName(s) for s in sans]),
                                            critical=False)
        return builder.sign(key, self._hashes.SHA256()).public_bytes(self._ser.Encoding.PEM), key

    def kubeconfig(self, name, server, cn, orgs=()):
        import base64

        import yaml
        cert, key = self.issue(cn, orgs)

        def b64(data):
            return base64.b64encode(data).decode()
        cfg = {"apiVersion": "v1", "kind": "Config", "current-context": "ctx",
               "clusters": [{"name": "c", "cluster": {"server": server, "certificate-authority-data": b64(self.ca_pem)}}],
               "users": [{"name": "u", "user": {"client-certificate-data": b64(cert), "client-key-data": b64(key)}}],
               "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}]}
        return self.write(name, yaml.safe_dump(cfg).encode())


class RunningApi:
    def __init__(self, pki, flags, store=None):
        import kube_apiserver
        from seed_doubles.apistore import MemoryStore
        self.pki = pki
        self.store = store or MemoryStore()
        base = {"client-ca-file": pki.ca_file, "enable-bootstrap-token-auth": "true", "secure-port": "0",
                "advertise-address": "127.0.0.1", "service-cluster-ip-range": "10.96.0.0/12",
                "authorization-mode": "Node,RBAC"}
        base.update(flags or {})
        self.app = kube_apiserver.ApiServer(self.store, base)
        self.app.bootstrap()
        self.app.min_watch_poll = 0.05
        ctx = kube_apiserver.server_context(pki.server_cert_file, pki.server_key_file, pki.ca_file)
        self.server = kube_apiserver.start(self.app, "127.0.0.1", 0, ctx)
        self.port = self.server.server_address[1]
        self.url = "https://127.0.0.1:%d" % self.port

    def client(self, cn=None, orgs=(), token=None):
        """REST client as ``cn``/``orgs`` (client certificate), with a bearer token, or anonymous."""
        from seed_doubles.kube import Client
        if cn:
            cert, key = self.pki.issue(cn, orgs)
            return Client(self.url, self.pki.ca_pem, cert, key)
        return Client(self.url, self.pki.ca_pem, token=token)

    def admin(self):
        return self.client("kubernetes-super-admin", ["system:masters"])

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


KUBEADM_SOURCE = os.path.join(DOUBLES, "kubeadm.py")


class KubeadmRunner:
    def __init__(self, directory):
        self.dir = str(directory)
        self.baked = {}

    def path(self, version):
        if version not in self.baked:
            with open(KUBEADM_SOURCE, encoding="utf-8") as handle:
                text = handle.read()
            target = os.path.join(self.dir, "kubeadm-%s.py" % version)
            with open(target, "w", encoding="utf-8") as handle:
                handle.write(text.replace('VERSION = "v0.0.0"', 'VERSION = "%s"' % version, 1))
            self.baked[version] = target
        return self.baked[version]

    def run(self, version, *args, env=None, root=None, log=None, stdin=None):
        import subprocess
        environ = dict(os.environ)
        environ["PYTHONPATH"] = DOUBLES
        environ["SEED_DOUBLES_LOG"] = log or os.devnull
        environ["SEED_DOUBLES_FAULTS"] = os.path.join(self.dir, "no-faults.json")
        if root:
            environ["SEED_DOUBLES_ROOT"] = str(root)
        else:
            environ.pop("SEED_DOUBLES_ROOT", None)
        environ.update(env or {})
        return subprocess.run([sys.executable, self.path(version)] + [str(a) for a in args], env=environ,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, universal_newlines=True,
                              input=stdin, timeout=60, check=False)

    def module(self, version):
        """The double imported in-process with VERSION set (for tests against the in-process API)."""
        if ("module", version) in self.baked:
            return self.baked[("module", version)]
        import importlib.util
        spec = importlib.util.spec_from_file_location("kubeadm_double_%s" % version.replace(".", "_"),
                                                      KUBEADM_SOURCE)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        module.VERSION = version
        self.baked[("module", version)] = module
        return module

    def invoke(self, capsys, version, *args, root=None):
        """Run the double's main() in-process; a result with returncode, stdout and stderr."""
        import types
        previous = os.environ.get("SEED_DOUBLES_ROOT")
        if root:
            os.environ["SEED_DOUBLES_ROOT"] = str(root)
        else:
            os.environ.pop("SEED_DOUBLES_ROOT", None)
        try:
            capsys.readouterr()
            rc = self.module(version).main([str(a) for a in args])
            res = capsys.readouterr()
        finally:
            if previous is None:
                os.environ.pop("SEED_DOUBLES_ROOT", None)
            else:
                os.environ["SEED_DOUBLES_ROOT"] = previous
        return types.SimpleNamespace(returncode=rc, stdout=res.out, stderr=res.err)
