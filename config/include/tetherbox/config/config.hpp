#pragma once
// Typed configuration: one YAML file describes the box, the camera and the session.
// Units are explicit in names (_s, _ms, _deg, _m, _mm, _k, _mb). See config/examples/*.yaml.
// Every struct compares field-wise (operator==), so a reload can tell whether anything changed.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace tb::config {

// Manual exposure as the user writes it: shutter "1/125" or "2" or "0.5", aperture 8, iso 100.
struct Exposure {
  std::string shutter = "1/125";
  double shutter_s = 1.0 / 125.0;  // parsed from shutter
  double aperture = 8.0;
  int iso = 100;
  bool operator==(const Exposure&) const = default;
};

// Faults the sim camera injects, to exercise recovery paths.
struct SimCameraFaults {
  double busy_probability = 0.0;        // per capture, answer busy (retryable)
  std::vector<int> disconnect_at = {};  // capture indices (0-based) at which it vanishes once
  int disconnect_captures = 1;          // how many consecutive calls fail while vanished
  int slow_download_ms = 0;             // added to every download
  std::vector<int> wrong_exposure_at = {};  // capture indices that apply a wrong exposure once
  // Zoom creep: from capture index zoom_creep_from (-1: never) the focal length the frame's
  // Exif reports grows by zoom_creep_mm_per_frame per capture, as a loose zoom ring does.
  int zoom_creep_from = -1;
  double zoom_creep_mm_per_frame = 0.5;
  std::vector<int> defocus_at = {};  // capture indices rendered out of focus (a box blur)
  int defocus_radius_px = 4;
  bool operator==(const SimCameraFaults&) const = default;
};

struct SimCamera {
  int width = 1536;            // rendered image size (pixels)
  int height = 1024;
  bool dust = false;           // fixed dust specks on the sensor
  uint64_t seed = 1;           // texture / noise seed: same seed, same images
  SimCameraFaults faults;
  bool operator==(const SimCamera&) const = default;
};

struct CameraSelect {  // which physical camera, when several are attached (gphoto2)
  std::string model;
  std::string serial;
  std::string port;
  bool operator==(const CameraSelect&) const = default;
};

// A GPIO line that switches the camera's power (gphoto2: the last rung of the reconnect
// ladder). No chip: no relay.
struct PowerRelay {
  std::string chip;         // gpiod chip: label (pinctrl-rp1), name, number or path
  int line = -1;            // line offset
  int off_ms = 2000;        // how long the camera stays unpowered
  bool active_low = false;  // camera powered = line low
  bool operator==(const PowerRelay&) const = default;
};

struct Camera {
  std::string backend = "sim";     // sim | gphoto2 | libcamera
  CameraSelect select;
  Exposure exposure;
  std::string format = "raw+jpeg";  // raw | jpeg | raw+jpeg
  double verify_tolerance_ev = 0.34;  // reported vs commanded, in stops
  int verify_retries = 2;             // re-takes before a mismatch becomes a recorded fault
  std::string capture_target = "card";  // card | ram (gphoto2)
  bool delete_from_card = false;        // after a verified download (gphoto2)
  bool set_clock = true;                // set the camera clock to UTC at session start
  SimCamera sim;
  PowerRelay power_relay;
  bool operator==(const Camera&) const = default;
};

struct Lens {
  double focal_length_mm = 50.0;
  double sensor_width_mm = 36.0;
  double sensor_height_mm = 24.0;
  bool operator==(const Lens&) const = default;
};

struct Ring {
  double elevation_deg = 0.0;
  std::optional<int> positions;  // explicit count; otherwise computed from target overlap
  bool operator==(const Ring&) const = default;
};

struct Orbit {
  bool enabled = true;
  double subject_distance_m = 1.0;   // camera to turntable axis
  double subject_radius_m = 0.15;    // radius of the object (its near surface drives overlap)
  double target_overlap = 0.75;      // fraction of the usable surface arc, allowed 0.60..0.90
  // Widest arc of subject surface one view can match, degrees around the axis (allowed
  // 10..120): patches more than half of it off the view direction foreshorten too much.
  double max_view_angle_deg = 60.0;
  double coverage_deg = 360.0;
  double start_azimuth_deg = 0.0;
  std::vector<Ring> rings = {Ring{0.0, std::nullopt}};
  bool operator==(const Orbit&) const = default;
};

// A serial G-code controller (OpenScan-style board running GRBL or Marlin).
struct GcodeTurntable {
  std::string port;               // /dev/ttyUSB0, /dev/serial/by-id/...
  int baud = 115200;
  std::string dialect = "grbl";   // grbl ($H, G4 P0) | marlin (G28, M400)
  std::string axis = "X";         // the axis letter the turntable motor is wired to
  double units_per_rev = 360.0;   // axis units per motor revolution, as the firmware counts them
  double gear_ratio = 1.0;        // motor revolutions per turntable revolution
  double feed = 3600.0;           // axis units per minute (turntable.speed_deg_s is the sim's)
  int timeout_ms = 2000;          // no reply within this (plus the move's own time): a fault
  bool home_on_start = false;     // run the homing cycle at session start; else start is 0
  bool operator==(const GcodeTurntable&) const = default;
};

// A stepper through a step/dir/enable driver on gpiod lines.
struct StepdirTurntable {
  std::string chip;               // gpiochip0, /dev/gpiochip4 or a label such as pinctrl-rp1
  int step_line = -1;
  int dir_line = -1;
  int enable_line = -1;           // -1: the driver is always enabled
  int home_line = -1;             // -1: no homing switch (the start position is 0)
  int steps_per_rev = 200;        // full steps per motor revolution
  int microsteps = 16;
  double gear_ratio = 1.0;        // motor revolutions per turntable revolution
  double max_speed_deg_s = 30.0;  // turntable degrees per second at cruise
  double accel_deg_s2 = 60.0;
  bool operator==(const StepdirTurntable&) const = default;
};

// The sim turntable's rig: a table that needs this long after a move before it stops
// wobbling. A config settle_ms shorter than that makes the sim camera's frames motion-blurred
// (the retake test's ground truth); 0: the sim rig is still as soon as it arrives.
struct SimTurntable {
  int needed_settle_ms = 0;
  bool operator==(const SimTurntable&) const = default;
};

struct Turntable {
  std::string backend = "sim";  // sim | gcode | stepdir | none
  double speed_deg_s = 60.0;
  int settle_ms = 200;
  double step_deg = 0.1;        // mechanical resolution
  GcodeTurntable gcode;
  StepdirTurntable stepdir;
  SimTurntable sim;
  bool operator==(const Turntable&) const = default;
};

struct Light {
  std::string name;
  double colour_temp_k = 5600.0;
  double azimuth_deg = 0.0;     // direction the light comes from, relative to the camera at az 0
  double elevation_deg = 30.0;
  double intensity = 1.0;
  std::string chip;             // gpiod: chip name/path (rpi boards)
  int line = -1;                // gpiod: line offset
  bool active_low = false;
  bool operator==(const Light&) const = default;
};

struct LightingPreset {
  std::string name;
  std::vector<std::string> on;  // light names switched on for this preset
  int settle_ms = 100;
  bool operator==(const LightingPreset&) const = default;
};

struct Lighting {
  std::string backend = "sim";  // sim | gpiod | none
  std::vector<Light> lights;
  std::vector<LightingPreset> presets;  // empty: one implicit preset "ambient" (all off)
  bool operator==(const Lighting&) const = default;
};

struct Brackets {
  std::vector<double> ev = {0.0};  // EV offsets applied by shutter time, aperture kept
  bool operator==(const Brackets&) const = default;
};

struct Button {
  std::string name;     // "trigger", "abort", ...
  std::string action = "trigger";  // trigger | abort | next_ring
  std::string chip;
  int line = -1;
  bool active_low = true;
  int debounce_ms = 30;
  bool operator==(const Button&) const = default;
};

struct Buttons {
  std::string backend = "none";  // sim | gpiod | none
  std::vector<Button> buttons;
  std::vector<double> sim_press_at_s;  // sim: press "trigger" at these seconds after start
  bool operator==(const Buttons&) const = default;
};

struct SimGps {
  double lat_deg = 48.8584;
  double lon_deg = 2.2945;
  double alt_msl_m = 35.0;
  double speed_m_s = 0.5;   // walks a track
  double fix_period_s = 30.0;   // cycle length: fix for (period - nofix) then no fix
  double nofix_s = 0.0;         // 0: always fixed
  bool operator==(const SimGps&) const = default;
};

struct Gps {
  std::string backend = "sim";  // sim | gpsd | none
  std::string gpsd_host = "localhost";
  int gpsd_port = 2947;
  double max_fix_age_s = 5.0;   // older than this: recorded as no fix
  SimGps sim;
  bool operator==(const Gps&) const = default;
};

struct SimAmbient {
  double temperature_c = 21.0;
  double humidity_pct = 45.0;
  double pressure_hpa = 1013.25;
  double drift_per_min = 0.2;      // slow drift of each quantity
  double dropout_probability = 0.0;  // per reading, sensor unreadable
  bool operator==(const SimAmbient&) const = default;
};

struct Ambient {
  std::string backend = "sim";  // sim | iio | none
  std::string sysfs_root = "/sys";  // iio: overridable for tests
  std::string device_name;          // iio/hwmon `name` file to match (bme280, sht4x, ...)
  double max_age_s = 10.0;
  int period_ms = 1000;
  SimAmbient sim;
  bool operator==(const Ambient&) const = default;
};

struct Previews {
  bool enabled = true;
  int max_size = 1024;  // longest edge, pixels
  int quality = 85;
  bool operator==(const Previews&) const = default;
};

struct Storage {
  std::string root = "./sessions";
  uint64_t reserve_mb = 256;  // stop capture cleanly when free space would go below this
  std::string name_template = "{session}_{seq:05}_{light}_{ev:+.1f}_az{az:03}_el{el:+03}";
  Previews previews;
  bool operator==(const Storage&) const = default;
};

struct Metadata {
  std::string creator;
  std::string copyright;
  std::string project;
  std::vector<std::string> releases;  // model/property release files copied into the bag
  // COCO categories of the dataset skeletons (ids 1..n in this order); none: an empty list.
  std::vector<std::string> categories;
  bool operator==(const Metadata&) const = default;
};

struct Privacy {
  bool strip_gps_on_delivery = false;
  bool operator==(const Privacy&) const = default;
};

struct Session {
  std::string name = "session";
  std::string mode = "orbit";  // orbit | buttons (field kit: one press, one bracket) | single
  int max_brackets = 0;        // buttons mode: stop after this many presses (0 = until abort)
  std::string notes;
  bool operator==(const Session&) const = default;
};

// tetherboxd: what a start does with a session left open by a crash or power cut.
struct Daemon {
  std::string on_open_session = "report";  // report | resume
  bool operator==(const Daemon&) const = default;
};

// Per-frame quality checks (capture/include/tetherbox/capture/quality*.hpp).
struct Quality {
  // A frame whose focal length differs from the session's first frame by more than this is
  // an optics fault (a zoom that crept, a lens that changed).
  double focal_tolerance_mm = 0.5;
  bool stop_on_optics_change = false;  // an optics fault also stops the session (resumable)
  // RAW clipping warnings: the fraction of any channel's photosites at the white level, or at
  // or below the black level, above which a frame gets a journaled warning.
  double max_clipped_high = 0.01;
  double max_clipped_low = 0.05;
  // A frame whose sharpness is below this fraction of the running median of its lighting
  // preset is marked blurred (a fault on the frame).
  double min_sharpness_ratio = 0.5;
  // A blurred frame is retaken in place (same position and preset) up to this many times;
  // both frames stay in the bag, the first marked superseded. 0: flagged only. The measure
  // reads a bracket's EV steps alike (noise and clipping accounted for), so one median per
  // preset serves every step and retakes are on by default.
  int max_retakes = 2;
  // Extra time the turntable is given to settle before each retake.
  int retake_extra_settle_ms = 500;
  bool operator==(const Quality&) const = default;
};

// A test shot before the locked sequence (issue 12 item 2): one frame measured on its RAW
// (clipping, median of the green plane) and a suggested exposure journaled; applied to the
// whole sequence only when test_shot_apply is set. Frames of the sequence are never adjusted.
struct ExposureCheck {
  bool test_shot = false;
  bool test_shot_apply = false;
  // The median of the RAW's green plane the suggestion aims at, as a fraction of the range
  // between the black and white levels (about middle grey on a linear sensor).
  double target_median = 0.18;
  double max_adjust_ev = 3.0;  // a suggestion larger than this is clamped (and says so)
  bool operator==(const ExposureCheck&) const = default;
};

// Delivery (issue 13): where finished bags go. `tetherbox sync BAG` with no REMOTE sends to
// every one of `remotes`; tetherboxd does so by itself between sessions when `when_idle`.
struct Sync {
  std::vector<std::string> remotes;  // rclone "name:path" (local:/path for a folder)
  bool when_idle = false;
  std::string bwlimit;  // rclone --bwlimit for idle syncs ("" = none)
  bool operator==(const Sync&) const = default;
};

// `tetherbox prune` frees a bag only once this many places besides this disk hold it.
struct Delivery {
  int copies_required = 2;
  bool operator==(const Delivery&) const = default;
};

struct Config {
  std::string source_path;  // the YAML file it came from
  std::string board = "sim";  // sim | rpi4 | rpi5
  Session session;
  Camera camera;
  Lens lens;
  Orbit orbit;
  Turntable turntable;
  Lighting lighting;
  Brackets brackets;
  Buttons buttons;
  Gps gps;
  Ambient ambient;
  Storage storage;
  Metadata metadata;
  Privacy privacy;
  std::string log_level = "info";
  Daemon daemon;
  Quality quality;
  ExposureCheck exposure;
  Sync sync;
  Delivery delivery;
  bool operator==(const Config&) const = default;
};

}  // namespace tb::config
