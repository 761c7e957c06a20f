# What the maintainer scripts of both packages (optin-edge, optin-hq) share: CMake inlines this
# file where a script has the line #OPTIN_MAINTSCRIPT_HELPERS# (cmake/OptinPackage.cmake,
# cmake/OptinHqPackage.cmake). The script sets `root` to "${DPKG_ROOT:-}" first: with
# `dpkg --root ... --force-script-chrootless` everything happens under that root and the running
# system's systemd is left alone.

# The uid or gid of NAME from the passwd or group file under the root, or nothing.
id_of() { # passwd|group NAME
  awk -F: -v name="$2" '$1 == name { print $3; exit }' "$root/etc/$1" 2>/dev/null
}

# A system user NAME in a group of its own, without a login shell, its home HOME (not created):
# adduser where there is no DPKG_ROOT, useradd --prefix otherwise (or without adduser).
create_system_user() { # NAME HOME GECOS
  if [ -z "$(id_of group "$1")" ]; then
    if [ -z "$root" ] && command -v addgroup >/dev/null 2>&1; then
      addgroup --system --quiet "$1"
    else
      groupadd --system ${root:+--prefix "$root"} "$1"
    fi
  fi
  if [ -z "$(id_of passwd "$1")" ]; then
    if [ -z "$root" ] && command -v adduser >/dev/null 2>&1; then
      adduser --system --quiet --ingroup "$1" --home "$2" --no-create-home \
        --shell /usr/sbin/nologin --gecos "$3" "$1"
    else
      useradd --system ${root:+--prefix "$root"} --gid "$1" --home-dir "$2" \
        --no-create-home --shell /usr/sbin/nologin --comment "$3" "$1"
    fi
  fi
}

# DIR (under the root) with MODE, owned by OWNER and the group GROUP.
create_dir_for() { # DIR MODE OWNER GROUP
  mkdir -p "$root$1"
  chown "$(id_of passwd "$3"):$(id_of group "$4")" "$root$1"
  chmod "$2" "$root$1"
}

# Enabled at installation (and after upgrades if it was), started, or restarted when an earlier
# version is named, where systemd runs; as Debian's packages do.
enable_and_start() { # UNIT [VERSION]
  if command -v deb-systemd-helper >/dev/null 2>&1; then
    deb-systemd-helper unmask "$1" >/dev/null || true
    if deb-systemd-helper --quiet was-enabled "$1"; then
      deb-systemd-helper enable "$1" >/dev/null || true
    else
      deb-systemd-helper update-state "$1" >/dev/null || true
    fi
  elif [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl enable "$1" >/dev/null || true
  fi
  if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
    if [ -n "${2:-}" ]; then action=restart; else action=start; fi
    if command -v deb-systemd-invoke >/dev/null 2>&1; then
      deb-systemd-invoke "$action" "$1" >/dev/null || true
    else
      systemctl "$action" "$1" >/dev/null || true
    fi
  fi
}

# The prerm's part: stops UNIT on removal where systemd runs; an upgrade keeps it running (the
# new postinst restarts it).
stop_on_remove() { # UNIT PRERM-ACTION
  if [ "$2" = remove ] && [ -z "$root" ] && [ -d /run/systemd/system ]; then
    if command -v deb-systemd-invoke >/dev/null 2>&1; then
      deb-systemd-invoke stop "$1" >/dev/null || true
    else
      systemctl stop "$1" >/dev/null || true
    fi
  fi
}

# The postrm's part for UNIT: masked on remove, forgotten on purge.
forget_unit() { # UNIT remove|purge
  if [ -z "$root" ] && [ -d /run/systemd/system ]; then
    systemctl --system daemon-reload >/dev/null || true
  fi
  if command -v deb-systemd-helper >/dev/null 2>&1; then
    if [ "$2" = remove ]; then
      deb-systemd-helper mask "$1" >/dev/null || true
    else
      deb-systemd-helper purge "$1" >/dev/null || true
      deb-systemd-helper unmask "$1" >/dev/null || true
    fi
  fi
}

# Every file in DIR (under the root) overwritten once (shred), then DIR deleted. On flash storage
# overwriting is best effort (wear levelling may keep old blocks).
shred_dir() { # DIR PACKAGE
  [ -d "$root$1" ] || return 0
  if command -v shred >/dev/null 2>&1; then
    find "$root$1" -type f -exec shred --force --iterations=1 --remove "{}" \; 2>/dev/null || true
  fi
  rm -rf "$root$1"
  echo "$2: purged $1 (every file overwritten, then deleted)"
}

# The system user NAME and its group, if there.
delete_system_user() { # NAME
  if [ -n "$(id_of passwd "$1")" ]; then
    if [ -z "$root" ] && command -v deluser >/dev/null 2>&1; then
      deluser --system --quiet "$1" || true
    else
      userdel ${root:+--prefix "$root"} "$1" || true
    fi
  fi
  if [ -n "$(id_of group "$1")" ]; then
    if [ -z "$root" ] && command -v delgroup >/dev/null 2>&1; then
      delgroup --system --quiet "$1" || true
    else
      groupdel ${root:+--prefix "$root"} "$1" || true
    fi
  fi
}
