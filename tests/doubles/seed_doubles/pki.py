"""Certificates and keys as kubeadm makes them (cmd/kubeadm/app/util/pkiutil, phases/certs).

Real X.509 through ``cryptography``: CAs are self-signed with CertSign, leaf certificates carry
kubeadm's extended key usages and SANs; keys are written as kubeadm's keyutil writes them (PKCS#1
"RSA PRIVATE KEY" / SEC1 "EC PRIVATE KEY"), public keys as PKIX "PUBLIC KEY".
"""

import datetime
import hashlib
import ipaddress
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

BACKDATE = datetime.timedelta(minutes=5)
CERT_VALIDITY = datetime.timedelta(days=365)
CA_VALIDITY = datetime.timedelta(days=3650)


def new_key(algorithm="RSA-2048"):
    if algorithm.startswith("ECDSA"):
        curve = ec.SECP384R1() if algorithm.endswith("P384") else ec.SECP256R1()
        return ec.generate_private_key(curve)
    bits = int(algorithm.split("-")[1]) if "-" in algorithm else 2048
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def key_pem(key):
    fmt = (serialization.PrivateFormat.TraditionalOpenSSL)
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption())


def public_pem(key):
    pub = key.public_key() if hasattr(key, "public_key") else key
    return pub.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def cert_pem(cert):
    return cert.public_bytes(serialization.Encoding.PEM)


def load_cert(data):
    return x509.load_pem_x509_certificate(data)


def load_key(data):
    return serialization.load_pem_private_key(data, password=None)


def _name(cn, orgs=()):
    attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in orgs]
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, cn))
    return x509.Name(attrs)


def _key_usage(key, ca=False):
    is_rsa = isinstance(key, rsa.RSAPrivateKey)
    return x509.KeyUsage(digital_signature=True, content_commitment=False,
                         key_encipherment=is_rsa, data_encipherment=False, key_agreement=False,
                         key_cert_sign=ca, crl_sign=False, encipher_only=False, decipher_only=False)


def new_ca(cn, algorithm="RSA-2048", validity=CA_VALIDITY, now=None):
    """(cert, key) of a self-signed CA, as pkiutil.NewCertificateAuthority."""
    key = new_key(algorithm)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(cn)).issuer_name(_name(cn))
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - BACKDATE)
               .not_valid_after(now - BACKDATE + validity)
               .add_extension(_key_usage(key, ca=True), critical=True)
               .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
               .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False))
    return builder.sign(key, hashes.SHA256()), key


def new_signed(ca_cert, ca_key, cn, orgs=(), usages=("client",), dns=(), ips=(),
               algorithm="RSA-2048", validity=CERT_VALIDITY, key=None, now=None):
    """(cert, key) of a leaf signed by the CA, as pkiutil.NewCertAndKey."""
    key = key or new_key(algorithm)
    now = now or datetime.datetime.now(datetime.timezone.utc)
    not_after = min(now - BACKDATE + validity, ca_cert.not_valid_after_utc
                    if hasattr(ca_cert, "not_valid_after_utc")
                    else ca_cert.not_valid_after.replace(tzinfo=datetime.timezone.utc))
    ekus = []
    if "server" in usages:
        ekus.append(ExtendedKeyUsageOID.SERVER_AUTH)
    if "client" in usages:
        ekus.append(ExtendedKeyUsageOID.CLIENT_AUTH)
    builder = (x509.CertificateBuilder()
               .subject_name(_name(cn, orgs)).issuer_name(ca_cert.subject)
               .public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - BACKDATE)
               .not_valid_after(not_after)
               .add_extension(_key_usage(key), critical=True)
               .add_extension(x509.ExtendedKeyUsage(ekus), critical=False)
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
                              critical=False))
    names = [x509.DNSName(d) for d in _unique(dns)]
    names += [x509.IPAddress(ipaddress.ip_address(i)) for i in _unique(ips)]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return builder.sign(ca_key, hashes.SHA256()), key


def _unique(items):
    seen, out = set(), []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            out.append(item)
    return out


def write_pair(base, cert, key):
    """Write ``base``.crt (0644) and ``base``.key (0600), creating directories (0700 for pki)."""
    os.makedirs(os.path.dirname(base), mode=0o700, exist_ok=True)
    write_file(base + ".crt", cert_pem(cert), 0o644)
    write_file(base + ".key", key_pem(key), 0o600)


def write_file(path, data, mode=0o600):
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    tmp = path + ".tmp"
    with open(tmp, "wb") as handle:
        handle.write(data if isinstance(data, bytes) else data.encode())
    os.chmod(tmp, mode)
    os.replace(tmp, path)


class PkiError(ValueError):
    """A certificate or key file that exists but does not parse (worded as kubeadm's pkiutil)."""


def read_pair(base, shown=None):
    """(cert, key) from ``base``.crt/.key, or (None, None) when the certificate is missing.

    An unparsable file raises PkiError with the messages of kubeadm's TryLoadCertAndKeyFromDisk,
    naming the files as ``shown`` (the node's path; default ``base``)."""
    shown = shown or base
    try:
        with open(base + ".crt", "rb") as handle:
            data = handle.read()
    except OSError:
        return None, None
    try:
        cert = load_cert(data)
    except ValueError:
        raise PkiError("failed to load certificate: couldn't load the certificate file %s.crt: error reading %s.crt: "
                       "data does not contain any valid RSA or ECDSA certificates" % (shown, shown))
    try:
        with open(base + ".key", "rb") as handle:
            data = handle.read()
    except OSError:
        return cert, None
    try:
        key = load_key(data)
    except ValueError:
        raise PkiError("failed to load key: couldn't load the private key file %s.key: error reading private key "
                       "file %s.key: data does not contain a valid RSA or ECDSA private key" % (shown, shown))
    return cert, key


def pubkey_pin(cert):
    """kubeadm's CA pin: ``sha256:`` + hex SHA-256 of the DER SubjectPublicKeyInfo."""
    spki = cert.public_key().public_bytes(serialization.Encoding.DER,
                                          serialization.PublicFormat.SubjectPublicKeyInfo)
    return "sha256:" + hashlib.sha256(spki).hexdigest()


def not_after(cert):
    if hasattr(cert, "not_valid_after_utc"):
        return cert.not_valid_after_utc
    return cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)


def not_before(cert):
    if hasattr(cert, "not_valid_before_utc"):
        return cert.not_valid_before_utc
    return cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)


def sans(cert):
    """(dns names, ip strings) of the certificate's SubjectAlternativeName."""
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return [], []
    return ext.get_values_for_type(x509.DNSName), [str(i) for i in ext.get_values_for_type(x509.IPAddress)]


def common_name(cert):
    attrs = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return attrs[0].value if attrs else ""


def organizations(cert):
    return [a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]


def signed_by(cert, ca_cert):
    """True when ``cert`` was issued and signed by ``ca_cert``."""
    if cert.issuer != ca_cert.subject:
        return False
    from cryptography.hazmat.primitives.asymmetric import padding
    pub = ca_cert.public_key()
    try:
        if isinstance(pub, rsa.RSAPublicKey):
            pub.verify(cert.signature, cert.tbs_certificate_bytes, padding.PKCS1v15(),
                       cert.signature_hash_algorithm)
        else:
            pub.verify(cert.signature, cert.tbs_certificate_bytes, ec.ECDSA(cert.signature_hash_algorithm))
        return True
    except Exception:  # noqa: BLE001 - any verification failure means "no"
        return False


def key_algorithm(key):
    if isinstance(key, rsa.RSAPrivateKey):
        return "RSA-%d" % key.key_size
    return "ECDSA-P384" if key.curve.key_size == 384 else "ECDSA-P256"
