"""Evidence bundles: a case frozen (conversation, participants, signals, actions, hashes),
encrypted at rest with AES-GCM, keys rotated, exported as a signed archive with a manifest.

Keys come from configuration (``SAFEGUARDING_CONSOLE_BUNDLE_KEYS``: ``id:base64,...``, the
first encrypts, every one decrypts) or, when that is empty, from a key file created once with
mode 0600. The export is signed with Ed25519; the signing key is derived from the active
bundle key (HKDF), and the manifest carries the public key and every file's SHA-256.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import os
import secrets
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from safeguarding.storage.repository.bundles import BundleRecord


class KeyError_(Exception):
    """A bundle's key is not configured (it was rotated out too early)."""


@dataclass(frozen=True, slots=True)
class KeyRing:
    keys: tuple[tuple[str, bytes], ...]  # (id, 32-byte key); the first encrypts

    @property
    def active(self) -> tuple[str, bytes]:
        return self.keys[0]

    def key(self, key_id: str) -> bytes:
        for kid, key in self.keys:
            if kid == key_id:
                return key
        raise KeyError_(f"bundle key {key_id!r} is not configured")

    @classmethod
    def parse(cls, spec: str) -> KeyRing:
        keys = []
        for part in filter(None, (p.strip() for p in spec.split(","))):
            kid, _, b64 = part.partition(":")
            key = base64.b64decode(b64)
            if not kid or len(key) != 32:
                raise ValueError("each bundle key is 'id:base64 of 32 bytes'")
            keys.append((kid, key))
        if not keys:
            raise ValueError("no bundle key configured")
        return cls(tuple(keys))

    @classmethod
    def load(cls, spec: str, key_file: str) -> KeyRing:
        if spec:
            return cls.parse(spec)
        path = Path(key_file)
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            line = (
                f"k{datetime.now(UTC):%Y%m%d}:{base64.b64encode(secrets.token_bytes(32)).decode()}"
            )
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(line + "\n")
        return cls.parse(path.read_text().strip().replace("\n", ","))

    @staticmethod
    def new_key_spec(key_id: str) -> str:
        return f"{key_id}:{base64.b64encode(secrets.token_bytes(32)).decode()}"


def canonical(content: dict[str, Any]) -> bytes:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _aad(tenant_id: str, bundle_id: str) -> bytes:
    # Binds the ciphertext to its tenant and id: a row copied elsewhere does not decrypt.
    return f"{tenant_id}/{bundle_id}".encode()


def seal(
    keys: KeyRing, tenant_id: str, bundle_id: str, case_id: str, content: dict[str, Any]
) -> BundleRecord:
    data = canonical(content)
    kid, key = keys.active
    nonce = secrets.token_bytes(12)
    ciphertext = AESGCM(key).encrypt(nonce, data, _aad(tenant_id, bundle_id))
    return BundleRecord(
        bundle_id,
        tenant_id,
        case_id,
        datetime.now(UTC),
        kid,
        nonce,
        ciphertext,
        hashlib.sha256(data).hexdigest(),
        False,
    )


def open_bundle(keys: KeyRing, bundle: BundleRecord) -> dict[str, Any]:
    data = AESGCM(keys.key(bundle.key_id)).decrypt(
        bundle.nonce, bundle.ciphertext, _aad(bundle.tenant_id, bundle.id)
    )
    if hashlib.sha256(data).hexdigest() != bundle.content_sha256:
        raise ValueError("bundle content does not match its hash")
    content: dict[str, Any] = json.loads(data)
    return content


def rewrap(keys: KeyRing, bundle: BundleRecord) -> tuple[str, bytes, bytes]:
    """The bundle re-encrypted under the active key: (key id, nonce, ciphertext)."""
    data = AESGCM(keys.key(bundle.key_id)).decrypt(
        bundle.nonce, bundle.ciphertext, _aad(bundle.tenant_id, bundle.id)
    )
    kid, key = keys.active
    nonce = secrets.token_bytes(12)
    return kid, nonce, AESGCM(key).encrypt(nonce, data, _aad(bundle.tenant_id, bundle.id))


def signing_key(keys: KeyRing) -> Ed25519PrivateKey:
    seed = HKDF(hashes.SHA256(), 32, salt=None, info=b"safeguarding bundle export").derive(
        keys.active[1]
    )
    return Ed25519PrivateKey.from_private_bytes(seed)


def export_archive(keys: KeyRing, bundle: BundleRecord, exported_by: str) -> bytes:
    """A zip: ``bundle.json``, ``manifest.json`` (hashes, key, who and when) and
    ``manifest.sig`` (Ed25519 over the manifest's bytes)."""
    content = canonical(open_bundle(keys, bundle))
    private = signing_key(keys)
    public = private.public_key().public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    manifest = canonical(
        {
            "bundle_id": bundle.id,
            "case_id": bundle.case_id,
            "created_at": bundle.created_at.isoformat(),
            "exported_at": datetime.now(UTC).isoformat(),
            "exported_by": exported_by,
            "files": {"bundle.json": hashlib.sha256(content).hexdigest()},
            "signature": {"algorithm": "ed25519", "public_key": public.hex()},
        }
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("bundle.json", content)
        zf.writestr("manifest.json", manifest)
        zf.writestr("manifest.sig", private.sign(manifest).hex())
    return out.getvalue()


def verify_archive(data: bytes) -> dict[str, Any]:
    """Check an exported archive's signature and file hashes; returns its manifest."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        manifest_bytes = zf.read("manifest.json")
        signature = bytes.fromhex(zf.read("manifest.sig").decode())
        manifest: dict[str, Any] = json.loads(manifest_bytes)
        public = Ed25519PublicKey.from_public_bytes(
            bytes.fromhex(manifest["signature"]["public_key"])
        )
        public.verify(signature, manifest_bytes)  # raises InvalidSignature
        for name, digest in manifest["files"].items():
            if hashlib.sha256(zf.read(name)).hexdigest() != digest:
                raise ValueError(f"{name} does not match the manifest")
    return manifest
