// Widget aliases, choice parsing and nearest-choice logic against fake widget trees shaped like
// the ones real bodies report (a Canon EOS with iso/imageformat, a Nikon with shutterspeed2 and
// imagequality, a Sony with RAW+JPEG), built with gp_widget_new.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "tetherbox/hal/gphoto2/widget_logic.hpp"

namespace gp = tb::hal::gphoto2_backend;
using gp::Setting;

namespace {

struct TreeDeleter {
  void operator()(CameraWidget* w) const { gp_widget_free(w); }
};
using Tree = std::unique_ptr<CameraWidget, TreeDeleter>;

CameraWidget* add_radio(CameraWidget* section, const char* name,
                        const std::vector<std::string>& choices, const std::string& current) {
  CameraWidget* w = nullptr;
  gp_widget_new(GP_WIDGET_RADIO, name, &w);
  gp_widget_set_name(w, name);
  for (const auto& c : choices) gp_widget_add_choice(w, c.c_str());
  gp_widget_set_value(w, current.c_str());
  gp_widget_append(section, w);
  return w;
}

CameraWidget* add_section(CameraWidget* root, const char* name) {
  CameraWidget* s = nullptr;
  gp_widget_new(GP_WIDGET_SECTION, name, &s);
  gp_widget_set_name(s, name);
  gp_widget_append(root, s);
  return s;
}

const std::vector<std::string> kCanonShutter{"30",    "15",    "8",     "4",      "2",      "1",
                                             "0.5",   "1/4",   "1/8",   "1/15",   "1/30",   "1/60",
                                             "1/125", "1/250", "1/500", "1/1000", "1/4000", "bulb"};
const std::vector<std::string> kCanonAperture{
    "4", "4.5", "5", "5.6", "6.3", "7.1", "8", "9", "10", "11", "13", "16", "22", "implicit auto"};
const std::vector<std::string> kCanonIso{"Auto", "100", "125", "160",  "200",  "250",
                                         "320",  "400", "800", "1600", "3200", "6400"};
const std::vector<std::string> kCanonFormat{"Large Fine JPEG",
                                            "Large Normal JPEG",
                                            "Medium Fine JPEG",
                                            "Small Fine JPEG",
                                            "RAW",
                                            "mRAW + Large Fine JPEG",
                                            "RAW + Large Normal JPEG",
                                            "RAW + Large Fine JPEG",
                                            "cRAW"};
const std::vector<std::string> kCanonWb{"Auto",     "AWB White",   "Daylight", "Shadow", "Cloudy",
                                        "Tungsten", "Fluorescent", "Flash",    "Manual"};

// A Canon EOS tree as `gphoto2 --list-all-config` shows it (trimmed).
Tree canon_tree() {
  CameraWidget* root = nullptr;
  gp_widget_new(GP_WIDGET_WINDOW, "Camera and Driver Configuration", &root);
  gp_widget_set_name(root, "main");
  auto* settings = add_section(root, "settings");
  add_radio(settings, "capturetarget", {"Internal RAM", "Memory card"}, "Internal RAM");
  auto* img = add_section(root, "imgsettings");
  add_radio(img, "imageformat", kCanonFormat, "Large Fine JPEG");
  add_radio(img, "iso", kCanonIso, "Auto");
  add_radio(img, "whitebalance", kCanonWb, "Auto");
  auto* cap = add_section(root, "capturesettings");
  add_radio(cap, "autoexposuremode", {"P", "Tv", "Av", "Manual", "Bulb"}, "Manual");
  add_radio(cap, "focusmode", {"One Shot", "AI Servo", "AI Focus", "Manual"}, "One Shot");
  add_radio(cap, "aperture", kCanonAperture, "5.6");
  add_radio(cap, "shutterspeed", kCanonShutter, "1/60");
  return Tree(root);
}

// A Nikon tree: f-number, shutterspeed2, isospeed absent, imagequality, expprogram.
Tree nikon_tree(const std::string& program) {
  CameraWidget* root = nullptr;
  gp_widget_new(GP_WIDGET_WINDOW, "Camera and Driver Configuration", &root);
  gp_widget_set_name(root, "main");
  auto* cap = add_section(root, "capturesettings");
  add_radio(cap, "f-number", {"f/2.8", "f/4", "f/5.6", "f/8", "f/11"}, "f/4");
  add_radio(cap, "shutterspeed2", {"1/4000", "1/1000", "1/250", "1/125", "1/60", "30"}, "1/60");
  add_radio(cap, "expprogram", {"M", "P", "A", "S", "Auto"}, program);
  add_radio(cap, "imagequality",
            {"JPEG Basic", "JPEG Normal", "JPEG Fine", "NEF (Raw)", "NEF+Basic", "NEF+Normal",
             "NEF+Fine"},
            "JPEG Normal");
  add_radio(cap, "isospeed", {"100", "200", "400", "800", "1600"}, "200");
  return Tree(root);
}

}  // namespace

TEST(Gphoto2WidgetAliases, FindsVendorNamesInOrder) {
  auto canon = canon_tree();
  auto nikon = nikon_tree("M");

  auto ap = gp::find_widget(canon.get(), Setting::aperture);
  ASSERT_TRUE(ap);
  EXPECT_EQ(ap->name, "aperture");
  EXPECT_EQ(gp::find_widget(nikon.get(), Setting::aperture)->name, "f-number");
  EXPECT_EQ(gp::find_widget(canon.get(), Setting::shutter)->name, "shutterspeed");
  EXPECT_EQ(gp::find_widget(nikon.get(), Setting::shutter)->name, "shutterspeed2");
  EXPECT_EQ(gp::find_widget(canon.get(), Setting::iso)->name, "iso");
  EXPECT_EQ(gp::find_widget(nikon.get(), Setting::iso)->name, "isospeed");
  EXPECT_EQ(gp::find_widget(canon.get(), Setting::image_format)->name, "imageformat");
  EXPECT_EQ(gp::find_widget(nikon.get(), Setting::image_format)->name, "imagequality");
  EXPECT_EQ(gp::find_widget(canon.get(), Setting::exposure_program)->name, "autoexposuremode");
  EXPECT_EQ(gp::find_widget(nikon.get(), Setting::exposure_program)->name, "expprogram");
  EXPECT_FALSE(gp::find_widget(nikon.get(), Setting::white_balance));
  EXPECT_FALSE(gp::find_widget(nikon.get(), Setting::datetime));
}

TEST(Gphoto2WidgetAliases, SingleWidgetIsFoundByItsOwnName) {
  CameraWidget* w = nullptr;
  gp_widget_new(GP_WIDGET_RADIO, "F-Number", &w);
  gp_widget_set_name(w, "f-number");
  Tree holder(w);
  auto f = gp::find_widget(w, Setting::aperture);
  ASSERT_TRUE(f);
  EXPECT_EQ(f->widget, w);
  EXPECT_FALSE(gp::find_widget(w, Setting::shutter));
}

TEST(Gphoto2ChoiceParsing, ShutterSpellings) {
  EXPECT_DOUBLE_EQ(*gp::parse_shutter_choice("1/125"), 1.0 / 125);
  EXPECT_DOUBLE_EQ(*gp::parse_shutter_choice("0.0100s"), 0.01);
  EXPECT_DOUBLE_EQ(*gp::parse_shutter_choice("1"), 1.0);
  EXPECT_DOUBLE_EQ(*gp::parse_shutter_choice("30\""), 30.0);
  EXPECT_DOUBLE_EQ(*gp::parse_shutter_choice("0.5\""), 0.5);
  EXPECT_DOUBLE_EQ(*gp::parse_shutter_choice("1\"3"), 1.3);
  EXPECT_DOUBLE_EQ(*gp::parse_shutter_choice("2 sec"), 2.0);
  EXPECT_FALSE(gp::parse_shutter_choice("bulb"));
  EXPECT_FALSE(gp::parse_shutter_choice("Auto"));
  EXPECT_FALSE(gp::parse_shutter_choice("x 200"));
  EXPECT_FALSE(gp::parse_shutter_choice("1/0"));
}

TEST(Gphoto2ChoiceParsing, ApertureIsoEv) {
  EXPECT_DOUBLE_EQ(*gp::parse_aperture_choice("f/8"), 8.0);
  EXPECT_DOUBLE_EQ(*gp::parse_aperture_choice("5.6"), 5.6);
  EXPECT_DOUBLE_EQ(*gp::parse_aperture_choice("F5.6"), 5.6);
  EXPECT_FALSE(gp::parse_aperture_choice("implicit auto"));
  EXPECT_DOUBLE_EQ(*gp::parse_iso_choice("100"), 100);
  EXPECT_DOUBLE_EQ(*gp::parse_iso_choice("ISO 400"), 400);
  EXPECT_FALSE(gp::parse_iso_choice("Auto"));
  EXPECT_FALSE(gp::parse_iso_choice("Auto ISO"));
  EXPECT_DOUBLE_EQ(*gp::parse_ev_choice("-0.5"), -0.5);
  EXPECT_DOUBLE_EQ(*gp::parse_ev_choice("+1"), 1.0);
  EXPECT_NEAR(*gp::parse_ev_choice("-1/3"), -1.0 / 3, 1e-12);
  EXPECT_NEAR(*gp::parse_ev_choice("+1 1/3"), 4.0 / 3, 1e-12);
  EXPECT_NEAR(*gp::parse_ev_choice("-1 2/3"), -5.0 / 3, 1e-12);
}

TEST(Gphoto2NearestChoice, SnapsShutterToNearestInStops) {
  // vcamera's list: 1/125 lies 0.32 stop from 0.0100s and 1.32 stops from 0.0050s.
  std::vector<std::string> vcam{"1.0000s", "0.1000s", "0.0500s", "0.0200s", "0.0100s",
                                "0.0050s", "0.0025s", "0.0012s", "0.0001s"};
  auto p = gp::pick_nearest(Setting::shutter, vcam, 1.0 / 125, 0.34, "VC", "shutterspeed");
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->choice, "0.0100s");
  EXPECT_NEAR(p->distance_stops, 0.3219, 1e-3);
  EXPECT_EQ(gp::pick_nearest(Setting::shutter, vcam, 1.0 / 1000, 0.34, "VC", "s")->choice,
            "0.0012s");
  EXPECT_EQ(gp::pick_nearest(Setting::shutter, vcam, 1.0, 0.34, "VC", "s")->choice, "1.0000s");

  // 1/30 is 0.74 stop from 1/50 and 1.74 from 1/10: not available within a third.
  auto bad =
      gp::pick_nearest(Setting::shutter, vcam, 1.0 / 30, 0.34, "Nikon DSC D750", "shutterspeed");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, tb::Errc::invalid);
  EXPECT_NE(bad.error().message.find("Nikon DSC D750"), std::string::npos);
  EXPECT_NE(bad.error().message.find("'shutterspeed'"), std::string::npos);
  EXPECT_NE(bad.error().message.find("1/30 s"), std::string::npos);
  EXPECT_NE(bad.error().message.find("0.0200s"), std::string::npos);  // lists the choices
}

TEST(Gphoto2NearestChoice, ApertureCountsStopsAsTwiceTheLog) {
  auto canon = canon_tree();
  auto ap = gp::find_widget(canon.get(), Setting::aperture);
  auto choices = gp::widget_choices(ap->widget);
  EXPECT_EQ(choices.size(), kCanonAperture.size());
  EXPECT_EQ(gp::pick_nearest(Setting::aperture, choices, 8.0, 0.34, "EOS", "aperture")->choice,
            "8");
  EXPECT_EQ(gp::pick_nearest(Setting::aperture, choices, 6.0, 0.34, "EOS", "aperture")->choice,
            "6.3");
  // f/2.8 is a full 1.0 stop below f/4 (2·log2(4/2.8) ≈ 1.03): refused.
  auto r = gp::pick_nearest(Setting::aperture, choices, 2.8, 0.34, "EOS", "aperture");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.error().message.find("f/2.8"), std::string::npos);
  EXPECT_NEAR(gp::distance_stops(Setting::aperture, 4.0, 2.8), 1.03, 0.01);
}

TEST(Gphoto2NearestChoice, IsoSkipsAutoAndMissingValues) {
  auto canon = canon_tree();
  auto iso = gp::find_widget(canon.get(), Setting::iso);
  auto choices = gp::widget_choices(iso->widget);
  EXPECT_EQ(gp::pick_nearest(Setting::iso, choices, 100, 0.34, "EOS", "iso")->choice, "100");
  EXPECT_EQ(gp::pick_nearest(Setting::iso, choices, 640, 0.34, "EOS", "iso")->choice, "800");
  EXPECT_FALSE(gp::pick_nearest(Setting::iso, choices, 50, 0.34, "EOS", "iso").ok());
  auto none = gp::pick_nearest(Setting::iso, {"Auto"}, 100, 0.34, "EOS", "iso");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.error().message.find("no numeric choice"), std::string::npos);
}

TEST(Gphoto2ImageFormat, PicksFullRawAndBestJpeg) {
  EXPECT_EQ(*gp::pick_image_format(kCanonFormat, "raw+jpeg"), "RAW + Large Fine JPEG");
  EXPECT_EQ(*gp::pick_image_format(kCanonFormat, "raw"), "RAW");
  EXPECT_EQ(*gp::pick_image_format(kCanonFormat, "jpeg"), "Large Fine JPEG");
  std::vector<std::string> nikon{"JPEG Basic", "JPEG Normal", "JPEG Fine", "NEF (Raw)",
                                 "NEF+Basic",  "NEF+Normal",  "NEF+Fine"};
  EXPECT_EQ(*gp::pick_image_format(nikon, "raw+jpeg"), "NEF+Fine");
  EXPECT_EQ(*gp::pick_image_format(nikon, "raw"), "NEF (Raw)");
  EXPECT_EQ(*gp::pick_image_format(nikon, "jpeg"), "JPEG Fine");
  std::vector<std::string> sony{"Standard", "Fine", "Extra Fine", "RAW", "RAW+JPEG"};
  EXPECT_EQ(*gp::pick_image_format(sony, "raw+jpeg"), "RAW+JPEG");
  EXPECT_EQ(*gp::pick_image_format(sony, "jpeg"), "Extra Fine");
  EXPECT_FALSE(gp::pick_image_format({"Large Fine JPEG", "Small Fine JPEG"}, "raw"));
}

TEST(Gphoto2WhiteBalance, FixedPresetNearLightNeverAuto) {
  EXPECT_EQ(*gp::pick_white_balance(kCanonWb, 5600), "Daylight");
  EXPECT_EQ(*gp::pick_white_balance(kCanonWb, 3000), "Tungsten");
  EXPECT_EQ(*gp::pick_white_balance(kCanonWb, 6500), "Cloudy");
  EXPECT_FALSE(gp::pick_white_balance({"Auto", "AWB White"}, 5600));
  EXPECT_TRUE(gp::is_auto_choice("AWB White"));
  EXPECT_TRUE(gp::is_auto_choice("Automatic"));
  EXPECT_FALSE(gp::is_auto_choice("Daylight"));
}

TEST(Gphoto2Programs, ManualDetectionAndTargets) {
  EXPECT_TRUE(gp::is_manual_program("M"));
  EXPECT_TRUE(gp::is_manual_program("Manual"));
  EXPECT_TRUE(gp::is_manual_program("M (Manual)"));
  EXPECT_FALSE(gp::is_manual_program("P"));
  EXPECT_FALSE(gp::is_manual_program("Av"));
  EXPECT_FALSE(gp::is_manual_program("Movie"));
  std::vector<std::string> targets{"Internal RAM", "Memory card"};
  EXPECT_EQ(*gp::pick_capture_target(targets, "card"), "Memory card");
  EXPECT_EQ(*gp::pick_capture_target(targets, "ram"), "Internal RAM");
  EXPECT_FALSE(gp::pick_capture_target({"SDRAM"}, "card"));
  EXPECT_EQ(*gp::pick_focus_off({"On", "Off"}), "Off");
  EXPECT_EQ(*gp::pick_focus_off({"One Shot", "AI Servo", "Manual"}), "Manual");
  EXPECT_FALSE(gp::pick_focus_off({"AF-S", "AF-C"}));
}

TEST(Gphoto2WidgetText, ReadsCurrentValuesOfTree) {
  auto nikon = nikon_tree("A");
  auto prog = gp::find_widget(nikon.get(), Setting::exposure_program);
  ASSERT_TRUE(prog);
  EXPECT_EQ(*gp::widget_text(prog->widget), "A");
  EXPECT_FALSE(gp::is_manual_program(*gp::widget_text(prog->widget)));
  auto sh = gp::find_widget(nikon.get(), Setting::shutter);
  EXPECT_EQ(*gp::widget_text(sh->widget), "1/60");
  EXPECT_TRUE(gp::widget_has_choices(sh->widget));
  CameraWidget* date = nullptr;
  gp_widget_new(GP_WIDGET_DATE, "Date", &date);
  Tree holder(date);
  int t = 1795624999;
  gp_widget_set_value(date, &t);
  EXPECT_EQ(*gp::widget_text(date), "1795624999");
  EXPECT_FALSE(gp::widget_has_choices(date));
  EXPECT_TRUE(gp::widget_choices(date).empty());
}
