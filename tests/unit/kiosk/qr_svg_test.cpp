#include "kiosk/qr_svg.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "kiosk/kiosk_feed.h"

namespace optin::kiosk::qr_svg_test {
namespace {

// The side of the SVG's square viewBox, in modules.
int ViewBoxSide(const std::string& svg) {
  std::smatch m;
  static const std::regex kViewBox(R"re(viewBox="0 0 (\d+) (\d+)")re");
  if (!std::regex_search(svg, m, kViewBox) || m[1] != m[2]) return -1;
  return std::stoi(m[1]);
}

TEST(QrSvgTest, IsAnSvgDocumentOfDarkModules) {
  auto svg = QrSvg("https://localhost:8443/shop?p=ABCD2345");
  ASSERT_TRUE(svg.has_value()) << svg.error().message;
  EXPECT_TRUE(svg->starts_with(R"(<svg xmlns="http://www.w3.org/2000/svg")"));
  EXPECT_TRUE(svg->ends_with("</svg>"));
  EXPECT_NE(svg->find(R"(role="img")"), std::string::npos);
  EXPECT_NE(svg->find("<title>QR code</title>"), std::string::npos);
  EXPECT_NE(svg->find(R"(<path d="M)"), std::string::npos);
  EXPECT_NE(svg->find(R"(fill="#fff")"), std::string::npos);
  // Only the characters of the markup and the path: no stray text from the input.
  EXPECT_EQ(svg->find("ABCD2345"), std::string::npos);
  // Elements open and close in pairs.
  EXPECT_NE(svg->find("</title>"), std::string::npos);
}

TEST(QrSvgTest, HasAQuietZoneOfFourModules) {
  auto svg = QrSvg("hello");
  ASSERT_TRUE(svg.has_value());
  // Version 1 is 21 modules wide; with 4 light modules on each side the viewBox is 29.
  EXPECT_EQ(ViewBoxSide(*svg), 21 + 2 * 4);
  // The first dark module (the finder pattern's corner) sits at (4,4).
  EXPECT_NE(svg->find(R"(<path d="M4 4h7v1h-7z)"), std::string::npos);

  auto tight = QrSvg("hello", QrSvgOptions{.quiet_zone = 0});
  ASSERT_TRUE(tight.has_value());
  EXPECT_EQ(ViewBoxSide(*tight), 21);
  EXPECT_NE(tight->find(R"(<path d="M0 0h7v1h-7z)"), std::string::npos);
}

TEST(QrSvgTest, GrowsWithItsContent) {
  auto small = QrSvg("A");
  auto medium = QrSvg("https://store-0042.example.com:8443/shop?p=ABCD2345");
  auto large = QrSvg(std::string(600, 'x'));
  ASSERT_TRUE(small && medium && large);
  EXPECT_LT(ViewBoxSide(*small), ViewBoxSide(*medium));
  EXPECT_LT(ViewBoxSide(*medium), ViewBoxSide(*large));
  EXPECT_LT(small->size(), large->size());
}

TEST(QrSvgTest, SameTextGivesTheSameSvg) {
  const std::string url = "http://127.0.0.1:8080/shop?p=7K3MQ9TX";
  auto a = QrSvg(url);
  auto b = QrSvg(url);
  auto c = QrSvg("http://127.0.0.1:8080/shop?p=7K3MQ9TY");
  ASSERT_TRUE(a && b && c);
  EXPECT_EQ(*a, *b);
  EXPECT_NE(*a, *c);
}

TEST(QrSvgTest, EscapesTheTitle) {
  auto svg = QrSvg("x", QrSvgOptions{.title = "a <b> & \"c\""});
  ASSERT_TRUE(svg.has_value());
  EXPECT_NE(svg->find("<title>a &lt;b&gt; &amp; &quot;c&quot;</title>"), std::string::npos);
}

TEST(QrSvgTest, RefusesEmptyAndOversizedText) {
  EXPECT_EQ(QrSvg("").error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(QrSvg(std::string(8000, 'x')).error().code, ErrorCode::kInvalidArgument);
}

TEST(ShopPageUrlTest, SchemeHostAndPort) {
  EXPECT_EQ(ShopPageUrl(true, "store.example", 8443), "https://store.example:8443/shop");
  EXPECT_EQ(ShopPageUrl(false, "localhost", 8080), "http://localhost:8080/shop");
  EXPECT_EQ(ShopPageUrl(true, "fd00::1", 8443), "https://[fd00::1]:8443/shop");
}

TEST(KioskFeedTest, ScanFrameCarriesNoIdentity) {
  visits::ScanCheckInResult ok{true, "checked-in", "Blue Heron", {"presence", "offers"}};
  EXPECT_EQ(KioskFeed::ScanFrame(ok),
            R"({"type":"scan","accepted":true,"reason":"checked-in","pseudonym":"Blue Heron",)"
            R"("purposes":["presence","offers"]})");
  visits::ScanCheckInResult refused{false, "token-expired", "leak?", {"offers"}};
  EXPECT_EQ(KioskFeed::ScanFrame(refused),
            R"({"type":"scan","accepted":false,"reason":"token-expired","pseudonym":"",)"
            R"("purposes":[]})");
}

}  // namespace
}  // namespace optin::kiosk::qr_svg_test
