// Request <-> file binding decisions on synthetic card listings and event sequences.
#include <gtest/gtest.h>

#include "file_binding.hpp"

namespace tb::hal::gphoto2_backend::binding {
namespace {

using Set = std::set<std::string>;

TEST(FileBinding, PathsSplitAndJoin) {
  EXPECT_EQ(join_path("/", "a.jpg"), "/a.jpg");
  EXPECT_EQ(join_path("/DCIM/100NIKON", "DSC_0001.NEF"), "/DCIM/100NIKON/DSC_0001.NEF");
  EXPECT_EQ(split_path("/DCIM/100NIKON/DSC_0001.NEF"),
            (std::pair<std::string, std::string>{"/DCIM/100NIKON", "DSC_0001.NEF"}));
  EXPECT_EQ(split_path("/a.jpg"), (std::pair<std::string, std::string>{"/", "a.jpg"}));
  EXPECT_EQ(lower_ext("DSC_0001.NEF"), "nef");
  EXPECT_EQ(mime_for_ext("arw"), "image/x-sony-arw");
  EXPECT_EQ(mime_for_ext("xyz"), "application/octet-stream");
}

TEST(FileBinding, RawAndJpegOfOneFrameArePairedOthersAreNot) {
  EXPECT_TRUE(same_frame("/DCIM/100MSDCF/DSC01234.ARW", "/DCIM/100MSDCF/DSC01234.JPG"));
  EXPECT_FALSE(same_frame("/DCIM/100MSDCF/DSC01234.ARW", "/DCIM/100MSDCF/DSC01235.JPG"));
  // Same name in the next folder (the body started a new folder): another frame.
  EXPECT_FALSE(same_frame("/DCIM/100MSDCF/DSC01234.ARW", "/DCIM/101MSDCF/DSC01234.JPG"));
}

TEST(FileBinding, EventsDuringAFrame) {
  const std::string primary = "/DCIM/100CANON/IMG_0042.CR2";
  Set known{"/DCIM/100CANON/IMG_0041.CR2", "/DCIM/100CANON/IMG_0041.JPG", primary};
  // RAW+JPEG: the JPEG's event comes after the RAW was downloaded.
  EXPECT_EQ(classify_added("/DCIM/100CANON/IMG_0042.JPG", primary, known), Added::companion);
  // A repeated event for a file already delivered.
  EXPECT_EQ(classify_added(primary, primary, known), Added::known);
  EXPECT_EQ(classify_added("/DCIM/100CANON/IMG_0041.JPG", primary, known), Added::known);
  // The body's own shutter button during our frame: never bound to our request.
  EXPECT_EQ(classify_added("/DCIM/100CANON/IMG_0043.JPG", primary, known), Added::stray);
  // No frame being delivered (drain between frames): anything new is a stray.
  EXPECT_EQ(classify_added("/DCIM/100CANON/IMG_0042.JPG", "", known), Added::stray);
}

TEST(FileBinding, SonyOffByOneFindsTheNewFileInTheListing) {
  // capture returned the previous frame's file; the listing has the new one.
  Set known{"/DCIM/100MSDCF/DSC00001.JPG", "/DCIM/100MSDCF/DSC00002.JPG"};
  EXPECT_EQ(classify_returned("/DCIM/100MSDCF/DSC00002.JPG", known), Returned::already_known);
  EXPECT_EQ(classify_returned("/DCIM/100MSDCF/DSC00003.JPG", known), Returned::fresh);
  Set listing = known;
  EXPECT_EQ(first_unknown(listing, known), std::nullopt) << "not written yet: poll again";
  listing.insert("/DCIM/100MSDCF/DSC00003.JPG");
  EXPECT_EQ(first_unknown(listing, known), "/DCIM/100MSDCF/DSC00003.JPG");
}

TEST(FileBinding, RecoveryAfterUnplugWithTheReturnedPath) {
  // The link dropped during the download of a RAW+JPEG frame; a stray shot happened too.
  Set known{"/DCIM/100NIKON/DSC_0001.NEF", "/DCIM/100NIKON/DSC_0001.JPG"};
  Set listing = known;
  listing.insert({"/DCIM/100NIKON/DSC_0002.JPG", "/DCIM/100NIKON/DSC_0002.NEF",
                  "/DCIM/100NIKON/DSC_0003.JPG"});
  auto r = recover_from_listing(listing, known, std::string("/DCIM/100NIKON/DSC_0002.NEF"));
  EXPECT_EQ(r.frame_files, (std::vector<std::string>{"/DCIM/100NIKON/DSC_0002.NEF",
                                                     "/DCIM/100NIKON/DSC_0002.JPG"}))
      << "the returned file first, then its companion";
  EXPECT_EQ(r.strays, (std::vector<std::string>{"/DCIM/100NIKON/DSC_0003.JPG"}));
}

TEST(FileBinding, RecoveryWhenTheCaptureCallNeverReturned) {
  // Dropped inside gp_camera_capture: no path, no events; the listing alone tells.
  Set known{"/DCIM/100NIKON/DSC_0001.JPG"};
  Set listing{"/DCIM/100NIKON/DSC_0001.JPG", "/DCIM/100NIKON/DSC_0002.JPG"};
  auto r = recover_from_listing(listing, known, std::nullopt);
  EXPECT_EQ(r.frame_files, (std::vector<std::string>{"/DCIM/100NIKON/DSC_0002.JPG"}));
  EXPECT_TRUE(r.strays.empty());
  // Nothing stored: nothing to deliver, the request is shot again.
  auto none = recover_from_listing(known, known, std::nullopt);
  EXPECT_TRUE(none.frame_files.empty());
  EXPECT_TRUE(none.strays.empty());
}

TEST(FileBinding, RecoveryDeliversAFrameWholeEvenIfHalfWasDelivered) {
  // The RAW was downloaded (known) when the link dropped on the JPEG.
  const std::string raw = "/DCIM/100CANON/IMG_0007.CR2";
  Set known{raw};
  Set listing{raw, "/DCIM/100CANON/IMG_0007.JPG"};
  auto r = recover_from_listing(listing, known, raw);
  EXPECT_EQ(r.frame_files, (std::vector<std::string>{raw, "/DCIM/100CANON/IMG_0007.JPG"}));
  // The returned file is gone from the card (deleted on the body): only what is there.
  Set gone{"/DCIM/100CANON/IMG_0007.JPG"};
  auto g = recover_from_listing(gone, {}, raw);
  EXPECT_EQ(g.frame_files, (std::vector<std::string>{"/DCIM/100CANON/IMG_0007.JPG"}));
}

}  // namespace
}  // namespace tb::hal::gphoto2_backend::binding
