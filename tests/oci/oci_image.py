#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""An OCI image archive (image-spec 1.0: image-layout.md, manifest.md,
config.md) from a root directory, with no registry and no image tool: one
uncompressed layer, its config, a manifest, and index.json naming the image
(io.containerd.image.name, org.opencontainers.image.ref.name) so that
`ctr images import` takes it.

Usage: oci_image.py ROOTFS NAME OUT.tar [CMD...]"""
import hashlib
import io
import json
import platform
import sys
import tarfile


def blob(out, data, media_type):
    """Add data as blobs/sha256/DIGEST; return its descriptor."""
    digest = hashlib.sha256(data).hexdigest()
    info = tarfile.TarInfo("blobs/sha256/" + digest)
    info.size = len(data)
    out.addfile(info, io.BytesIO(data))
    return {"mediaType": media_type, "digest": "sha256:" + digest, "size": len(data)}


def main():
    if len(sys.argv) < 4:
        sys.exit(__doc__)
    rootfs, name, path = sys.argv[1:4]
    cmd = sys.argv[4:] or ["sh"]
    arch = {"x86_64": "amd64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    layer_buf = io.BytesIO()
    with tarfile.open(fileobj=layer_buf, mode="w", format=tarfile.PAX_FORMAT) as layer:
        layer.add(rootfs, arcname=".")
    layer_data = layer_buf.getvalue()
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as out:
        layer_desc = blob(out, layer_data, "application/vnd.oci.image.layer.v1.tar")
        config = {
            "architecture": arch,
            "os": "linux",
            "config": {
                "Cmd": cmd,
                "Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
            },
            # An uncompressed layer's diff_id is its own digest.
            "rootfs": {"type": "layers", "diff_ids": [layer_desc["digest"]]},
        }
        config_desc = blob(out, json.dumps(config).encode(),
                           "application/vnd.oci.image.config.v1+json")
        manifest = {
            "schemaVersion": 2,
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "config": config_desc,
            "layers": [layer_desc],
        }
        manifest_desc = blob(out, json.dumps(manifest).encode(),
                             "application/vnd.oci.image.manifest.v1+json")
        manifest_desc["annotations"] = {
            "io.containerd.image.name": name,
            "org.opencontainers.image.ref.name": name,
        }
        manifest_desc["platform"] = {"architecture": arch, "os": "linux"}
        for fname, doc in (("oci-layout", {"imageLayoutVersion": "1.0.0"}),
                           ("index.json", {"schemaVersion": 2, "manifests": [manifest_desc]})):
            data = json.dumps(doc).encode()
            info = tarfile.TarInfo(fname)
            info.size = len(data)
            out.addfile(info, io.BytesIO(data))


if __name__ == "__main__":
    main()
