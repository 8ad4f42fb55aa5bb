"""Generate the TLS material of the mirror's HTTPS site into portal_mirror/certs/.

Root CA -> intermediate CA -> leaf (127.0.0.1, localhost). The server sends the leaf only, like a
misconfigured provincial portal, so a client verifies it only with ca-bundle.pem (root +
intermediate), which the registry entry names. Long validity so the committed files keep working.
Run: python -m portal_mirror.make_certs [--out DIR]
"""
from __future__ import annotations

import argparse
import ipaddress
from datetime import datetime, timezone
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from portal_mirror.config import CERT_DIR

NOT_BEFORE = datetime(2020, 1, 1, tzinfo=timezone.utc)
NOT_AFTER = datetime(2099, 12, 31, tzinfo=timezone.utc)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
                      x509.NameAttribute(NameOID.ORGANIZATION_NAME, "vnict portal mirror"),
                      x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _cert(subject: str, key, issuer_name: x509.Name, issuer_key, ca: bool, path_len: int | None,
          sans: list[x509.GeneralName] | None = None, issuer_cert: x509.Certificate | None = None):
    builder = (x509.CertificateBuilder()
               .subject_name(_name(subject)).issuer_name(issuer_name)
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(NOT_BEFORE).not_valid_after(NOT_AFTER)
               .add_extension(x509.BasicConstraints(ca=ca, path_length=path_len), critical=True)
               .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False))
    if issuer_cert is not None:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_cert.public_key()), critical=False)
    if ca:
        builder = builder.add_extension(x509.KeyUsage(
            digital_signature=True, key_cert_sign=True, crl_sign=True, content_commitment=False,
            key_encipherment=False, data_encipherment=False, key_agreement=False,
            encipher_only=False, decipher_only=False), critical=True)
    else:
        builder = (builder
                   .add_extension(x509.KeyUsage(
                       digital_signature=True, key_cert_sign=False, crl_sign=False, content_commitment=False,
                       key_encipherment=False, data_encipherment=False, key_agreement=True,
                       encipher_only=False, decipher_only=False), critical=True)
                   .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
                   .add_extension(x509.SubjectAlternativeName(sans or []), critical=False))
    return builder.sign(issuer_key, hashes.SHA256())


def make(out: Path = CERT_DIR) -> None:
    out.mkdir(parents=True, exist_ok=True)
    root_key = ec.generate_private_key(ec.SECP256R1())
    root = _cert("vnict mirror Root CA", root_key, _name("vnict mirror Root CA"), root_key, True, 1)
    inter_key = ec.generate_private_key(ec.SECP256R1())
    inter = _cert("vnict mirror Intermediate CA", inter_key, root.subject, root_key, True, 0, issuer_cert=root)
    leaf_key = ec.generate_private_key(ec.SECP256R1())
    sans = [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
            x509.IPAddress(ipaddress.ip_address("::1"))]
    leaf = _cert("127.0.0.1", leaf_key, inter.subject, inter_key, False, None, sans, issuer_cert=inter)
    pem = lambda c: c.public_bytes(serialization.Encoding.PEM)  # noqa: E731
    (out / "root-ca.pem").write_bytes(pem(root))
    (out / "intermediate.pem").write_bytes(pem(inter))
    (out / "leaf.pem").write_bytes(pem(leaf))
    (out / "leaf.key").write_bytes(leaf_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (out / "ca-bundle.pem").write_bytes(pem(root) + pem(inter))
    # The CA keys are not kept: regenerate everything with this script if the leaf must change.


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=CERT_DIR)
    make(parser.parse_args().out)


if __name__ == "__main__":
    main()
