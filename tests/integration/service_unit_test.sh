#!/usr/bin/env bash
# The service files as systemd and udev will read them: the unit passes `systemd-analyze verify`
# and rates an exposure of 2.0 or less in `systemd-analyze security --offline=yes`; the
# tmpfiles entry makes /run/tetherbox 0750 tetherbox:tetherbox in a scratch root; the udev rules
# parse and hand the PTP-class cameras and the gpiochips to group tetherbox.
# A missing tool is a failure, never a silent pass (scripts/install-deps installs `systemd`).
source "$(dirname "$0")/lib.sh"
SRC=$(cd "$HERE/../.." && pwd)
UNIT=$SRC/board/systemd/tetherboxd.service
need() { command -v "$1" >/dev/null || fail "$1 not found: install package $2 (scripts/install-deps)"; }
need systemd-analyze systemd
need systemd-tmpfiles systemd

# 1. verify. The unit names /usr/sbin/tetherboxd, which the package installs; point a copy at the
# daemon of this build (or, before the daemon exists, at the CLI) so verify can check the rest.
TBD=${TBD:-$(dirname "$TB")/tetherboxd}
[ -x "$TBD" ] || { echo "note: no tetherboxd beside $TB; ExecStart checked against $TB"; TBD=$TB; }
mkdir -p "$WORK/unit"
sed "s|^ExecStart=/usr/sbin/tetherboxd|ExecStart=$TBD|" "$UNIT" >"$WORK/unit/tetherboxd.service"
grep -q "^ExecStart=$TBD " "$WORK/unit/tetherboxd.service" || fail "ExecStart not rewritten"
systemd-analyze verify --man=no "$WORK/unit/tetherboxd.service" >"$WORK/verify.txt" 2>&1 ||
  { cat "$WORK/verify.txt"; fail "systemd-analyze verify"; }
[ ! -s "$WORK/verify.txt" ] || { cat "$WORK/verify.txt"; fail "systemd-analyze verify printed warnings"; }
pass "systemd-analyze verify: clean"

# 2. security exposure.
systemd-analyze security --offline=yes --no-pager "$UNIT" >"$WORK/security.txt" 2>&1 ||
  { cat "$WORK/security.txt"; fail "systemd-analyze security"; }
score=$(sed -n 's/.*Overall exposure level for tetherboxd.service: \([0-9.]*\).*/\1/p' "$WORK/security.txt")
[ -n "$score" ] || { cat "$WORK/security.txt"; fail "no exposure level in the output"; }
awk -v s="$score" 'BEGIN { exit !(s <= 2.0) }' ||
  { grep "✗" "$WORK/security.txt"; fail "exposure $score > 2.0"; }
for key in "Type=notify" "NotifyAccess=main" "User=tetherbox" "ProtectSystem=strict" \
  "NoNewPrivileges=yes" "PrivateTmp=yes" "CapabilityBoundingSet=" "ReadWritePaths=/var/lib/tetherbox" \
  "SystemCallFilter=@system-service" "RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6" \
  "DeviceAllow=char-usb_device rw" "DeviceAllow=char-gpiochip rw" "WatchdogSec="; do
  grep -q "^$key" "$UNIT" || fail "unit lacks $key"
done
echo "figure service_exposure: $score"
pass "systemd-analyze security: exposure $score <= 2.0"

# 3. tmpfiles in a scratch root holding the service user.
R=$WORK/root
mkdir -p "$R/etc" "$R/run"
echo "tetherbox:x:64123:64123::/var/lib/tetherbox:/usr/sbin/nologin" >"$R/etc/passwd"
echo "tetherbox:x:64123:" >"$R/etc/group"
systemd-tmpfiles --create --root="$R" "$SRC/board/tmpfiles/tetherbox.conf" >"$WORK/tmpfiles.txt" 2>&1 ||
  { cat "$WORK/tmpfiles.txt"; fail "systemd-tmpfiles --create"; }
got=$(stat -c '%F %a %u:%g' "$R/run/tetherbox")
[ "$got" = "directory 750 64123:64123" ] || fail "/run/tetherbox is '$got', expected 'directory 750 64123:64123'"
pass "tmpfiles: /run/tetherbox directory 0750 tetherbox:tetherbox"

# 4. udev rules: every rule line is KEY op "value" pairs; the groups go where they should.
python3 - "$SRC/board/udev/60-tetherbox.rules" <<'PY' || fail "udev rules"
import re, sys
pair = re.compile(r'\s*([A-Z_]+(?:\{[^}]+\})?)\s*(==|!=|\+=|-=|:=|=)\s*"([^"]*)"\s*(,|$)')
rules = []
for n, line in enumerate(open(sys.argv[1]), 1):
    line = line.strip()
    if not line or line.startswith("#"):
        continue
    pos, keys = 0, {}
    while pos < len(line):
        m = pair.match(line, pos)
        if not m:
            sys.exit(f"{sys.argv[1]}:{n}:{pos + 1}: not a KEY op \"value\" pair: {line[pos:]}")
        keys[m.group(1) + m.group(2)] = m.group(3)
        pos = m.end()
    rules.append(keys)
def has(**want):
    return any(all(r.get(k) == v for k, v in want.items()) for r in rules)
checks = {
    "PTP class camera -> tetherbox": {"ENV{ID_USB_INTERFACES}==": "*:060101:*", "GROUP=": "tetherbox", "MODE=": "0660"},
    "libgphoto2 camera -> tetherbox": {"ENV{ID_GPHOTO2}==": "1", "GROUP=": "tetherbox", "MODE=": "0660"},
    "gpiochip -> tetherbox": {"KERNEL==": "gpiochip[0-9]*", "GROUP=": "tetherbox", "MODE=": "0660"},
}
for name, want in checks.items():
    if not any(all(r.get(k) == v for k, v in want.items()) for r in rules):
        sys.exit(f"no rule: {name}")
print(f"{len(rules)} rules parsed")
PY
pass "udev rules parse; cameras and gpiochips go to group tetherbox"
