#!/usr/bin/env bash
# Builds the tabx OCI image without a Docker engine (buildah, vfs storage):
# FROM scratch with the release binary, the shared libraries it links (as
# ldd lists them), CA certificates for object-store HTTPS, /tmp, and user
# 65532. Base images cannot be pulled here, so nothing else goes in.
#
#   k8s-job/image/build.sh                      # → tabx:VERSION in the local store (podman sees it)
#   OCI_ARCHIVE=tabx.tar k8s-job/image/build.sh # also an OCI archive for `skopeo copy` to a registry
#   TABX_BIN=path/to/tabx k8s-job/image/build.sh  # an already built binary (default: cargo build --release)
#
# --timestamp 0 fixes the creation time and the files' times, so the same
# binary gives the same image digest.
set -euo pipefail
cd "$(dirname "$0")/../.."

version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n 1)
# The default release build (no `sql` feature), brought up to date first
# (a no-op when it is): an image must never hold a stale binary.
if [ -n "${TABX_BIN:-}" ]; then
  bin=$TABX_BIN
else
  cargo build --release --locked -p tabx-cli
  bin=${CARGO_TARGET_DIR:-target}/release/tabx
fi
export BUILDAH_ISOLATION=chroot
# vfs: the storage driver that works here (and where podman finds the image).
bah() { buildah --storage-driver vfs "$@"; }

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/bin" "$root/tmp" "$root/etc/ssl/certs"
chmod 1777 "$root/tmp"
cp "$bin" "$root/bin/tabx"
# The dynamic loader and every library the binary links, at their paths.
for lib in $(ldd "$bin" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// {print $1}'); do
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
echo 'nonroot:x:65532:65532:nonroot:/tmp:/sbin/nologin' > "$root/etc/passwd"
echo 'nonroot:x:65532:' > "$root/etc/group"
find "$root" -exec touch -h -d @0 {} +

ctr=$(bah from scratch)
bah copy --quiet "$ctr" "$root/" / >/dev/null
bah config \
  --entrypoint '["/bin/tabx"]' --cmd '["--help"]' \
  --user 65532:65532 --workingdir /tmp \
  --env SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt --env TMPDIR=/tmp \
  --label org.opencontainers.image.title=tabx \
  --label org.opencontainers.image.version="$version" \
  --label org.opencontainers.image.revision="$(git rev-parse HEAD 2>/dev/null || echo unknown)" \
  "$ctr"
bah commit --quiet --timestamp 0 --rm "$ctr" "tabx:$version" >/dev/null
if [ -n "${OCI_ARCHIVE:-}" ]; then
  bah push --quiet "tabx:$version" "oci-archive:$OCI_ARCHIVE:tabx:$version"
fi
digest=$(bah inspect --format '{{.FromImageDigest}}' "tabx:$version" 2>/dev/null || true)
size=$(bah images --format '{{.Size}}' "tabx:$version")
echo "built tabx:$version ($size) $digest"
