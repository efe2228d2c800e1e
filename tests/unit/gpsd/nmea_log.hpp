#pragma once
// A generated NMEA track: GGA + RMC + GSA per epoch (1 s apart), with fix / no-fix epochs. The
// test writes these sentences into the pseudo-terminal that a real gpsd reads.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <string>
#include <vector>

namespace tb::test {

struct Epoch {
  std::time_t t = 0;  // UTC seconds
  bool fix = true;
  double lat = 0, lon = 0, alt = 0;
  double speed_kn = 0, track = 0;
  double hdop = 0, pdop = 0, vdop = 0;
  int sats = 0;
};

inline std::string with_checksum(const std::string& body) {
  unsigned cs = 0;
  for (char c : body) cs ^= static_cast<unsigned char>(c);
  char tail[8];
  std::snprintf(tail, sizeof tail, "*%02X\r\n", cs);
  return "$" + body + tail;
}

inline std::string nmea_angle(double deg, int deg_digits) {
  const double a = std::fabs(deg);
  const int d = static_cast<int>(a);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*d%08.5f", deg_digits, d, (a - d) * 60.0);
  return buf;
}

inline std::string nmea_sentences(const Epoch& e) {
  std::tm tm{};
  gmtime_r(&e.t, &tm);
  char hms[48], dmy[48];
  std::snprintf(hms, sizeof hms, "%02d%02d%02d.00", tm.tm_hour, tm.tm_min, tm.tm_sec);
  std::snprintf(dmy, sizeof dmy, "%02d%02d%02d", tm.tm_mday, tm.tm_mon + 1, tm.tm_year % 100);
  const std::string lat = nmea_angle(e.lat, 2) + (e.lat >= 0 ? ",N" : ",S");
  const std::string lon = nmea_angle(e.lon, 3) + (e.lon >= 0 ? ",E" : ",W");
  char buf[256];
  std::string out;
  if (e.fix) {
    std::snprintf(buf, sizeof buf, "GPRMC,%s,A,%s,%s,%.2f,%.2f,%s,,,A", hms, lat.c_str(),
                  lon.c_str(), e.speed_kn, e.track, dmy);
    out += with_checksum(buf);
    std::snprintf(buf, sizeof buf, "GPGGA,%s,%s,%s,1,%02d,%.2f,%.2f,M,50.0,M,,", hms, lat.c_str(),
                  lon.c_str(), e.sats, e.hdop, e.alt);
    out += with_checksum(buf);
    std::string prns;
    for (int i = 0; i < 12; ++i) prns += i < e.sats ? std::to_string(i + 2) + "," : ",";
    std::snprintf(buf, sizeof buf, "GPGSA,A,3,%s%.2f,%.2f,%.2f", prns.c_str(), e.pdop, e.hdop,
                  e.vdop);
    out += with_checksum(buf);
    // gpsd reports DOP and satellites (SKY) once the sky view of a cycle is complete.
    const int msgs = (e.sats + 3) / 4;
    for (int m = 0; m < msgs; ++m) {
      std::string body = "GPGSV," + std::to_string(msgs) + "," + std::to_string(m + 1) + "," +
                         std::to_string(e.sats);
      for (int k = m * 4; k < std::min(e.sats, m * 4 + 4); ++k) {
        std::snprintf(buf, sizeof buf, ",%02d,%02d,%03d,%02d", k + 2, 20 + 5 * k, 40 * k % 360,
                      30 + k);
        body += buf;
      }
      out += with_checksum(body);
    }
  } else {
    std::snprintf(buf, sizeof buf, "GPRMC,%s,V,,,,,,,%s,,,N", hms, dmy);
    out += with_checksum(buf);
    std::snprintf(buf, sizeof buf, "GPGGA,%s,,,,,0,00,99.99,,M,,M,,", hms);
    out += with_checksum(buf);
    out += with_checksum("GPGSA,A,1,,,,,,,,,,,,,99.99,99.99,99.99");
  }
  return out;
}

// A walk north-east from (lat0, lon0), `n` epochs from time t0.
inline std::vector<Epoch> moving_track(std::time_t t0, int n, double lat0, double lon0,
                                       double hdop) {
  std::vector<Epoch> v;
  for (int i = 0; i < n; ++i) {
    Epoch e;
    e.t = t0 + i;
    e.lat = lat0 + 0.0001 * i;
    e.lon = lon0 + 0.00015 * i;
    e.alt = 120.0 + 0.5 * i;
    e.speed_kn = 10.0 + i;
    e.track = 40.0 + i;
    e.hdop = hdop;
    e.pdop = hdop * 1.5;
    e.vdop = hdop * 1.2;
    e.sats = 8;
    v.push_back(e);
  }
  return v;
}

inline std::vector<Epoch> no_fix(std::time_t t0, int n) {
  std::vector<Epoch> v;
  for (int i = 0; i < n; ++i) {
    Epoch e;
    e.t = t0 + i;
    e.fix = false;
    v.push_back(e);
  }
  return v;
}

}  // namespace tb::test
