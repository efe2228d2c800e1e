#!/usr/bin/env bash
# ambient.backend: iio end to end (issue 11 item 2): a sim-camera session reads a BME280 from a
# sysfs tree (IIO units: milli-degC, milli-%RH, kPa); every frame's sidecar (exiftool) carries
# the converted values and the sensor id; a tree without the sensor gives "unavailable" with
# the reason, and the session still completes.
source "$(dirname "$0")/lib.sh"
cd "$WORK"
dev="$WORK/sys/bus/iio/devices/iio:device0"
mkdir -p "$dev" "$WORK/sys/class/hwmon/hwmon0"
echo bme280 >"$dev/name"
echo 23456 >"$dev/in_temp_input"
echo 41250 >"$dev/in_humidityrelative_input"
echo 99.8765 >"$dev/in_pressure_input"
echo cpu_thermal >"$WORK/sys/class/hwmon/hwmon0/name"

variant() {  # variant DST DEVICE_NAME: 3 frames, ambient from the tree
  config_variant "$HERE/configs/small.yaml" "$1" \
    '/elevation_deg: 40, positions: 3/d' \
    's/elevation_deg: 0, positions: 4/elevation_deg: 0, positions: 3/' \
    '/- {name: warm, on: \[warm\]/d' \
    's/brackets: {ev: \[-1, 0, 1\]}/brackets: {ev: [0]}/' \
    "s|^ambient: {backend: sim, period_ms: 50}|ambient: {backend: iio, sysfs_root: \"$WORK/sys\", device_name: $2, period_ms: 50}|"
  grep -q "backend: iio" "$1" || fail "config variant has no iio backend"
}
variant bme.yaml bme280
BAG=$(run_bag bme.yaml "$WORK/bme")
python3 - "$BAG" <<'PY' || fail "ambient values in the sidecars"
import glob, json, subprocess, sys
xs = sorted(glob.glob(sys.argv[1] + "/data/frames/*.xmp"))
assert len(xs) == 3, xs
for x in xs:
    e = json.loads(subprocess.run(["exiftool", "-j", "-n", "-G1", "-a", x], check=True,
                                  capture_output=True).stdout)[0]
    assert abs(float(e["XMP-exifEX:AmbientTemperature"]) - 23.456) < 1e-3, e.get("XMP-exifEX:AmbientTemperature")
    assert abs(float(e["XMP-exifEX:Humidity"]) - 41.25) < 1e-3, e.get("XMP-exifEX:Humidity")
    assert abs(float(e["XMP-exifEX:Pressure"]) - 998.765) < 1e-3, e.get("XMP-exifEX:Pressure")
    assert e["XMP-tetherbox:AmbientSensor"] == "iio:device0/bme280", e.get("XMP-tetherbox:AmbientSensor")
print("3 sidecars with the BME280's values in degC, %RH, hPa")
PY

variant missing.yaml sht4x
BAG2=$(run_bag missing.yaml "$WORK/missing")
python3 - "$BAG2" <<'PY' || fail "missing sensor said in the sidecars"
import glob, json, subprocess, sys
xs = sorted(glob.glob(sys.argv[1] + "/data/frames/*.xmp"))
assert len(xs) == 3, xs
for x in xs:
    e = json.loads(subprocess.run(["exiftool", "-j", "-n", "-G1", "-a", x], check=True,
                                  capture_output=True).stdout)[0]
    assert "XMP-exifEX:Humidity" not in e, e
    s = e.get("XMP-tetherbox:AmbientStatus", "")
    assert s.startswith("unavailable") and "sht4x" in s and "iio:device0=bme280" in s, s
print("3 sidecars say the sht4x is missing and what was found")
PY
pass "ambient from an IIO sysfs tree through the iio backend"
