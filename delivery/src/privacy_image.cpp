// Location removal from, and sidecar embedding into, the metadata inside an image (exiv2). The
// image data itself is never decoded or re-encoded: only its metadata blocks are rewritten.
#include <exiv2/exiv2.hpp>

#include <memory>

#include "tetherbox/delivery/privacy.hpp"

namespace tb::delivery {

namespace {

size_t erase_gps(Exiv2::ExifData& exif, Exiv2::XmpData& xmp) {
  size_t removed = 0;
  for (auto it = exif.begin(); it != exif.end();) {
    // The GPS IFD's entries, and the IFD0 pointer to it (a dangling pointer would be written).
    if (it->groupName() == "GPSInfo" || it->key() == "Exif.Image.GPSTag") {
      it = exif.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  for (auto it = xmp.begin(); it != xmp.end();) {
    if (it->key().rfind("Xmp.exif.GPS", 0) == 0) {
      it = xmp.erase(it);
      ++removed;
    } else {
      ++it;
    }
  }
  return removed;
}

}  // namespace

Result<std::vector<uint8_t>> rewrite_image_metadata(const std::vector<uint8_t>& bytes,
                                                    const std::string& name, bool strip_gps,
                                                    const std::string& xmp_packet, bool* changed) {
  *changed = false;
  if (bytes.empty()) return bytes;
  const auto* data = reinterpret_cast<const Exiv2::byte*>(bytes.data());
  const long size = static_cast<long>(bytes.size());
  try {
    if (Exiv2::ImageFactory::getType(data, size) == Exiv2::ImageType::none) return bytes;
    auto image = Exiv2::ImageFactory::open(data, size);
    if (image.get() == nullptr) return bytes;
    image->readMetadata();
    size_t edits = 0;
    if (strip_gps) edits += erase_gps(image->exifData(), image->xmpData());
    if (!xmp_packet.empty()) {
      Exiv2::XmpData embed;
      if (Exiv2::XmpParser::decode(embed, xmp_packet) != 0)
        return make_error(Errc::invalid, "{}: its sidecar is not a readable XMP packet", name);
      for (const auto& d : embed) {
        auto old = image->xmpData().findKey(Exiv2::XmpKey(d.key()));
        if (old != image->xmpData().end()) image->xmpData().erase(old);
        image->xmpData().add(d);
        ++edits;
      }
      if (strip_gps) edits += erase_gps(image->exifData(), image->xmpData());
    }
    if (edits == 0) return bytes;
    image->writeMetadata();
    Exiv2::BasicIo& io = image->io();
    if (io.open() != 0) return make_error(Errc::io, "{}: cannot read the rewritten image", name);
    Exiv2::DataBuf buf = io.read(io.size());
    io.close();
    std::vector<uint8_t> out(buf.pData_, buf.pData_ + buf.size_);
    *changed = true;
    return out;
  } catch (const Exiv2::AnyError& e) {
    return make_error(Errc::unsupported, "{}: its embedded metadata cannot be {}: {}", name,
                      strip_gps ? "cleared of GPS" : "rewritten", e.what());
  }
}

}  // namespace tb::delivery
