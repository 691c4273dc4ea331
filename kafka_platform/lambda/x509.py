"""The certificate authority of a Connect cluster's REST listener, issued with the OpenSSL library that Python's own
``ssl`` module runs on (through ctypes): no third-party package, no code of ours doing cryptography.

OpenSSL 3 does the work: an EC P-256 key (``EVP_PKEY_generate``), an X.509 v3 certificate signed with SHA-256
(``X509_sign``), and the key and certificate as a PKCS#12 file (``PKCS12_create``, OpenSSL 3's defaults: AES-256-CBC
with PBKDF2 and a SHA-256 MAC), which the JDK's keytool reads. The platform issues a self-signed certificate
authority per Connect cluster (``ca=True``); each worker issues its own listener certificate from it when its task
starts (``connect_image/rest-tls.sh``, with keytool), naming the task's IP address, because Jetty 12 refuses a
request whose Host is not named by the certificate (its SNI host check), and followers forward requests to the
leader by IP. The reconciler, the health monitor and the workers trust exactly the authorities the platform's
secret lists (pinning), not a public CA.

OpenSSL's API: https://docs.openssl.org/3.0/man3/ (EVP_PKEY_CTX_new_from_name, EVP_PKEY_CTX_set_group_name,
X509_sign, X509V3_EXT_nconf_nid, PKCS12_create, BIO_s_mem).
"""

from __future__ import annotations

import base64
import ctypes
import datetime
import hashlib
import re
import secrets
import ssl
from dataclasses import dataclass
from typing import Sequence

_MBSTRING_ASC = 0x1001
_NID_BASIC_CONSTRAINTS = 87
_NID_KEY_USAGE = 83
_NID_EXT_KEY_USAGE = 126
_NID_SUBJECT_ALT_NAME = 85
_BIO_CTRL_INFO = 3
_HOST = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")


class CertificateError(Exception):
    """OpenSSL could not be found or refused a step; the message names the step."""


@dataclass(frozen=True)
class Issued:
    certificate_pem: str
    #: PKCS#12 (key and certificate), base64, for Connect's ``listeners.https.ssl.keystore.location``.
    keystore_base64: str
    keystore_password: str
    #: The private key, unencrypted PEM. Only tests use it (a Python TLS server); the platform stores the keystore.
    private_key_pem: str


def issue(host_names: Sequence[str], *, days: int, common_name: str | None = None, ca: bool = False) -> Issued:
    """A fresh key pair and a self-signed certificate valid from now for ``days`` days: for ``host_names`` (DNS names
    only), or with ``ca`` a certificate authority (named by ``common_name``) that may sign server certificates only
    (path length 0)."""
    names = list(host_names)
    if not ca and (not names or not all(_HOST.match(name) for name in names)):
        raise CertificateError(f"{names!r}: a certificate needs one or more lower-case DNS host names")
    if ca and not common_name:
        raise CertificateError("a certificate authority needs a common name")
    if not 1 <= days <= 825:
        raise CertificateError(f"{days} days: a certificate is issued for 1 to 825 days")
    lib = _library()
    password = secrets.token_hex(24)
    context = _check(lib.EVP_PKEY_CTX_new_from_name(None, b"EC", None), "EVP_PKEY_CTX_new_from_name")
    key = ctypes.c_void_p()
    certificate = None
    try:
        _check(lib.EVP_PKEY_keygen_init(context) == 1, "EVP_PKEY_keygen_init")
        _check(lib.EVP_PKEY_CTX_set_group_name(context, b"P-256") == 1, "EVP_PKEY_CTX_set_group_name")
        _check(lib.EVP_PKEY_generate(context, ctypes.byref(key)) == 1 and key.value, "EVP_PKEY_generate")
        certificate = _check(lib.X509_new(), "X509_new")
        _check(lib.X509_set_version(certificate, 2) == 1, "X509_set_version")
        serial = secrets.randbits(62) + 1
        _check(lib.ASN1_INTEGER_set_int64(lib.X509_get_serialNumber(certificate), serial) == 1, "serial number")
        _check(lib.X509_gmtime_adj(lib.X509_getm_notBefore(certificate), -300), "notBefore")
        _check(lib.X509_gmtime_adj(lib.X509_getm_notAfter(certificate), days * 86_400), "notAfter")
        _check(lib.X509_set_pubkey(certificate, key) == 1, "X509_set_pubkey")
        subject = lib.X509_get_subject_name(certificate)
        # A subject of its own (the serial number in it): a client trusting the current and the next certificate
        # finds each by its subject, and OpenSSL takes the first trusted certificate of a subject as the issuer.
        for field, text in ((b"CN", common_name or names[0]), (b"serialNumber", f"{serial:x}")):
            value = text.encode()
            _check(lib.X509_NAME_add_entry_by_txt(subject, field, _MBSTRING_ASC, value, len(value), -1, 0) == 1,
                   f"subject {field.decode()}")
        _check(lib.X509_set_issuer_name(certificate, subject) == 1, "issuer")
        extensions = (((_NID_BASIC_CONSTRAINTS, "critical,CA:TRUE,pathlen:0"),
                       (_NID_KEY_USAGE, "critical,keyCertSign,cRLSign")) if ca else
                      ((_NID_BASIC_CONSTRAINTS, "critical,CA:FALSE"),
                       (_NID_KEY_USAGE, "critical,digitalSignature"),
                       (_NID_EXT_KEY_USAGE, "serverAuth,clientAuth"),
                       (_NID_SUBJECT_ALT_NAME, ",".join(f"DNS:{name}" for name in names))))
        for nid, value in extensions:
            extension = _check(lib.X509V3_EXT_nconf_nid(None, None, nid, value.encode()), f"extension {value}")
            try:
                _check(lib.X509_add_ext(certificate, extension, -1) == 1, "X509_add_ext")
            finally:
                lib.X509_EXTENSION_free(extension)
        _check(lib.X509_sign(certificate, key, lib.EVP_sha256()) > 0, "X509_sign")
        certificate_pem = _pem(lib, lambda bio: lib.PEM_write_bio_X509(bio, certificate), "certificate")
        private_key_pem = _pem(lib, lambda bio: lib.PEM_write_bio_PrivateKey(bio, key, None, None, 0, None, None),
                               "private key")
        bundle = _check(lib.PKCS12_create(password.encode(), b"ca" if ca else b"rest", key, certificate, None,
                                          0, 0, 0, 0, 0),
                        "PKCS12_create")
        try:
            keystore = _bytes(lib, lambda bio: lib.i2d_PKCS12_bio(bio, bundle), "PKCS#12")
        finally:
            lib.PKCS12_free(bundle)
    finally:
        if certificate:
            lib.X509_free(certificate)
        if key.value:
            lib.EVP_PKEY_free(key)
        lib.EVP_PKEY_CTX_free(context)
    return Issued(certificate_pem, base64.b64encode(keystore).decode(), password, private_key_pem)


def fingerprint(certificate_pem: str) -> str:
    """SHA-256 of the certificate's DER encoding, as ``openssl x509 -fingerprint -sha256`` prints it (hex)."""
    return hashlib.sha256(ssl.PEM_cert_to_DER_cert(certificate_pem)).hexdigest()


def not_after(certificate_pem: str) -> datetime.datetime:
    """When the certificate expires (UTC), read by OpenSSL."""
    lib = _library()
    data = certificate_pem.encode()
    bio = _check(lib.BIO_new_mem_buf(data, len(data)), "BIO_new_mem_buf")
    try:
        certificate = _check(lib.PEM_read_bio_X509(bio, None, None, None), "PEM_read_bio_X509")
    finally:
        lib.BIO_free(bio)
    try:
        moment = _Tm()
        _check(lib.ASN1_TIME_to_tm(lib.X509_getm_notAfter(certificate), ctypes.byref(moment)) == 1,
               "ASN1_TIME_to_tm")
    finally:
        lib.X509_free(certificate)
    return datetime.datetime(moment.tm_year + 1900, moment.tm_mon + 1, moment.tm_mday, moment.tm_hour,
                             moment.tm_min, moment.tm_sec, tzinfo=datetime.timezone.utc)


def split_bundle(bundle: str) -> list[str]:
    """The certificates of a PEM bundle, each with its BEGIN and END lines."""
    return re.findall(r"-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----\n?", bundle)


class _Tm(ctypes.Structure):
    _fields_ = [(name, ctypes.c_int) for name in ("tm_sec", "tm_min", "tm_hour", "tm_mday", "tm_mon", "tm_year",
                                                   "tm_wday", "tm_yday", "tm_isdst")] + \
               [("tm_gmtoff", ctypes.c_long), ("tm_zone", ctypes.c_char_p)]


def _pem(lib: ctypes.CDLL, write, what: str) -> str:
    return _bytes(lib, write, what).decode()


def _bytes(lib: ctypes.CDLL, write, what: str) -> bytes:
    bio = _check(lib.BIO_new(lib.BIO_s_mem()), "BIO_new")
    try:
        _check(write(bio) == 1, f"writing the {what}")
        data = ctypes.c_char_p()
        length = lib.BIO_ctrl(bio, _BIO_CTRL_INFO, 0, ctypes.byref(data))
        return ctypes.string_at(data, length)
    finally:
        lib.BIO_free(bio)


def _check(value, step: str):
    if not value:
        raise CertificateError(f"OpenSSL refused {step}")
    return value


_LIBRARY: list[ctypes.CDLL] = []
_SIGNATURES = {
    "EVP_PKEY_CTX_new_from_name": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_char_p]),
    "EVP_PKEY_keygen_init": (ctypes.c_int, [ctypes.c_void_p]),
    "EVP_PKEY_CTX_set_group_name": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p]),
    "EVP_PKEY_generate": (ctypes.c_int, [ctypes.c_void_p, ctypes.POINTER(ctypes.c_void_p)]),
    "EVP_PKEY_CTX_free": (None, [ctypes.c_void_p]),
    "EVP_PKEY_free": (None, [ctypes.c_void_p]),
    "X509_new": (ctypes.c_void_p, []),
    "X509_free": (None, [ctypes.c_void_p]),
    "X509_set_version": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_long]),
    "X509_get_serialNumber": (ctypes.c_void_p, [ctypes.c_void_p]),
    "ASN1_INTEGER_set_int64": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_int64]),
    "X509_getm_notBefore": (ctypes.c_void_p, [ctypes.c_void_p]),
    "X509_getm_notAfter": (ctypes.c_void_p, [ctypes.c_void_p]),
    "X509_gmtime_adj": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_long]),
    "ASN1_TIME_to_tm": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
    "X509_set_pubkey": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
    "X509_get_subject_name": (ctypes.c_void_p, [ctypes.c_void_p]),
    "X509_NAME_add_entry_by_txt": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p,
                                                  ctypes.c_int, ctypes.c_int, ctypes.c_int]),
    "X509_set_issuer_name": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
    "X509V3_EXT_nconf_nid": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p]),
    "X509_add_ext": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_int]),
    "X509_EXTENSION_free": (None, [ctypes.c_void_p]),
    "EVP_sha256": (ctypes.c_void_p, []),
    "X509_sign": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
    "BIO_s_mem": (ctypes.c_void_p, []),
    "BIO_new": (ctypes.c_void_p, [ctypes.c_void_p]),
    "BIO_new_mem_buf": (ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_int]),
    "BIO_free": (ctypes.c_int, [ctypes.c_void_p]),
    "BIO_ctrl": (ctypes.c_long, [ctypes.c_void_p, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]),
    "PEM_write_bio_X509": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
    "PEM_read_bio_X509": (ctypes.c_void_p, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]),
    "PEM_write_bio_PrivateKey": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p, ctypes.c_char_p,
                                                ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]),
    "PKCS12_create": (ctypes.c_void_p, [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_void_p, ctypes.c_void_p,
                                        ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_int, ctypes.c_int,
                                        ctypes.c_int]),
    "i2d_PKCS12_bio": (ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]),
    "PKCS12_free": (None, [ctypes.c_void_p]),
}


def _library() -> ctypes.CDLL:
    """The libcrypto Python's ``ssl`` module loaded (read from this process's memory map), so the version is the one
    Python was built and tested with; OpenSSL 3 is required (the Lambda Python runtimes ship it)."""
    if _LIBRARY:
        return _LIBRARY[0]
    if ssl.OPENSSL_VERSION_INFO[0] < 3:
        raise CertificateError(f"{ssl.OPENSSL_VERSION}: issuing the REST certificate needs OpenSSL 3")
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            paths = [line.split()[-1] for line in maps if "libcrypto" in line.rsplit("/", 1)[-1]]
    except OSError:
        paths = []
    for candidate in [*dict.fromkeys(paths), "libcrypto.so.3"]:
        try:
            lib = ctypes.CDLL(candidate)
            break
        except OSError:
            continue
    else:
        raise CertificateError("OpenSSL's libcrypto is not loaded in this process and libcrypto.so.3 is not found")
    for name, (result, arguments) in _SIGNATURES.items():
        function = getattr(lib, name)
        function.restype = result
        function.argtypes = arguments
    _LIBRARY.append(lib)
    return lib
