#!/bin/sh
# A Debian base image made on this machine, for hosts that reach no image registry:
# debootstrap from the Debian mirror of this machine's apt sources, then `docker import`.
#
#   deploy/debian-base-image.sh            # prints the image's tag (builds it only if missing)
#   docker build --network host --build-arg BASE_IMAGE="$(deploy/debian-base-image.sh)" .
#
# The tag is keyed by a hash of this recipe (this file, the suite, the mirror and the apt
# sources copied in), so a run with an unchanged recipe reuses the image at once and a changed
# recipe builds a new one (older tags of the same name are then removed). Needs root,
# debootstrap and a running docker daemon. Progress goes to stderr; stdout is the tag only.
#
# Settings (environment): BASE_SUITE (default: this machine's release codename), BASE_MIRROR
# (default: the first Debian mirror of the apt sources), BASE_NAME (default:
# ai-interviewer-base), DOCKER (default: docker).
#
# Exit status 69 (EX_UNAVAILABLE) when this machine cannot make one (no Debian apt sources, no
# debootstrap, not root); any other failure is another non-zero status.
set -eu

DOCKER=${DOCKER:-docker}
NAME=${BASE_NAME:-ai-interviewer-base}
# python3 for the service, python3-venv for the image's build stage, ca-certificates for TLS
# to the LLM provider: the Dockerfile then needs no apt-get of its own on this base.
PACKAGES=python3,python3-venv,ca-certificates

log() { echo "debian-base-image: $*" >&2; }
unavailable() { log "$*"; exit 69; }

# The machine's Debian apt sources: deb822 (bookworm's default) or the one-line format.
SOURCES_FILE=""
for candidate in /etc/apt/sources.list.d/debian.sources /etc/apt/sources.list; do
    if [ -s "$candidate" ] && grep -q '^[^#]*debian' "$candidate"; then
        SOURCES_FILE=$candidate
        break
    fi
done
[ -n "$SOURCES_FILE" ] || unavailable "no Debian apt sources found in /etc/apt"

if [ -z "${BASE_SUITE:-}" ]; then
    BASE_SUITE=$(. /etc/os-release && echo "${VERSION_CODENAME:-}")
fi
[ -n "$BASE_SUITE" ] || unavailable "set BASE_SUITE (no VERSION_CODENAME in /etc/os-release)"

if [ -z "${BASE_MIRROR:-}" ]; then
    case "$SOURCES_FILE" in
        *.sources) BASE_MIRROR=$(sed -n 's/^URIs:[[:space:]]*\([^[:space:]]*\).*/\1/p' "$SOURCES_FILE" | grep -v -- '-security' | head -n1) ;;
        *) BASE_MIRROR=$(awk '$1 == "deb" && $0 !~ /security/ { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$SOURCES_FILE") ;;
    esac
fi
[ -n "$BASE_MIRROR" ] || unavailable "set BASE_MIRROR (no Debian mirror found in $SOURCES_FILE)"

KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
RECIPE=$( { cat "$0"; echo "$BASE_SUITE $BASE_MIRROR $PACKAGES"; grep -v '^#' "$SOURCES_FILE"; } | sha256sum | cut -c1-16)
TAG="$NAME:$BASE_SUITE-$RECIPE"

if $DOCKER image inspect "$TAG" >/dev/null 2>&1; then
    echo "$TAG"
    exit 0
fi

command -v debootstrap >/dev/null || unavailable "debootstrap is not installed (apt-get install debootstrap)"
[ "$(id -u)" = 0 ] || unavailable "debootstrap needs root"

ROOTFS=$(mktemp -d "${TMPDIR:-/tmp}/debian-base.XXXXXX")
cleanup() {
    # Whatever is still mounted in the tree (ours, or debootstrap's if it was interrupted),
    # deepest first, so that removing the tree never reaches into the host's /proc or /sys.
    awk -v root="$ROOTFS/" 'index($2, root) == 1 { print $2 }' /proc/mounts | sort -r |
        while read -r mounted; do umount -l "$mounted" 2>/dev/null || true; done
    rm -rf --one-file-system "$ROOTFS"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

log "debootstrap $BASE_SUITE from $BASE_MIRROR into $ROOTFS"
debootstrap --variant=minbase --include="$PACKAGES" --keyring="$KEYRING" \
    "$BASE_SUITE" "$ROOTFS" "$BASE_MIRROR" >&2

# The security and point-release updates debootstrap does not apply, from the same sources.
log "applying the updates of $SOURCES_FILE"
case "$SOURCES_FILE" in
    *.sources) rm -f "$ROOTFS/etc/apt/sources.list"; cp "$SOURCES_FILE" "$ROOTFS/etc/apt/sources.list.d/debian.sources" ;;
    *) cp "$SOURCES_FILE" "$ROOTFS/etc/apt/sources.list" ;;
esac
cp /etc/resolv.conf "$ROOTFS/etc/resolv.conf"
mount -t proc proc "$ROOTFS/proc"
chroot "$ROOTFS" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c 'apt-get update -q && apt-get upgrade -y -q && apt-get clean' >&2
umount "$ROOTFS/proc"

# What a container image needs no copy of: package lists, caches, docs, the build's resolver.
rm -rf "$ROOTFS"/var/lib/apt/lists/* "$ROOTFS"/var/cache/apt/* "$ROOTFS"/var/log/* \
    "$ROOTFS"/usr/share/doc/* "$ROOTFS"/usr/share/man/* "$ROOTFS"/usr/share/info/* \
    "$ROOTFS"/tmp/* "$ROOTFS"/var/tmp/*
: > "$ROOTFS/etc/resolv.conf"
: > "$ROOTFS/etc/hostname"

log "importing as $TAG"
tar -C "$ROOTFS" --numeric-owner -c . | $DOCKER import \
    --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV LANG=C.UTF-8' \
    --change 'CMD ["/bin/bash"]' \
    --message "debootstrap $BASE_SUITE $BASE_MIRROR ($PACKAGES)" \
    - "$TAG" >&2

# Older recipes' images of the same name are dead weight (an image still in use stays).
$DOCKER image ls --format '{{.Repository}}:{{.Tag}}' "$NAME" | grep -vx "$TAG" |
    while read -r old; do $DOCKER image rm "$old" >/dev/null 2>&1 || true; done

echo "$TAG"
