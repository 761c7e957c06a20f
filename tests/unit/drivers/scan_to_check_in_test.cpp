// End to end, in process: a loyalty QR read by a (FIFO) scanner checks the shopper in through
// the same path the daemon wires (driver callback -> ScanCheckIn -> CheckInDesk -> the database
// writer), with a real SQLite database in a temporary directory; the indicator answers.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <future>
#include <string>

#include "drivers/fake_indicator.h"
#include "drivers/scanner.h"
#include "platform/crypto.h"
#include "platform/file_system.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"
#include "visits/app_token_verifier.h"
#include "visits/presence_code.h"
#include "visits/scan_check_in.h"

namespace optin::drivers::scan_to_check_in_test {
namespace {

using optin::testing::ValueOrDie;
using std::chrono::milliseconds;

TEST(ScanToCheckInTest, ALoyaltyCodeWrittenToAFifoScannerChecksTheShopperIn) {
  optin::testing::VisitsWorld world;
  platform::SeededRandom hq_random(3);
  auto hq_key = ValueOrDie(platform::EcdsaPrivateKey::Generate(hq_random), "hq key");
  visits::AppTokenVerifier verifier(world.clock(), hq_key.PublicKey(),
                                    visits::AppTokenPolicy{"store-0042", "https://hq.example"});
  visits::PresenceCode presence(std::string(32, 'q'), world.clock());
  visits::CheckInDesk desk(world.database().db(), verifier, presence, world.keys().pseudonymizer(),
                           world.visits());
  visits::ScanCheckIn check_in(desk);
  FakeIndicator indicator;

  std::mutex mu;
  std::condition_variable cv;
  std::vector<visits::ScanCheckInResult> results;
  optin::testing::TempDir dir;
  ScannerConfig config;
  config.name = "kiosk";
  config.kind = ScannerKind::kFifo;
  config.device = dir / "scanner.fifo";
  auto scanner = ValueOrDie(
      MakeScanner(config, platform::FileSystem::Default(), platform::SystemClock::Instance()),
      "scanner");
  std::promise<void> connected;
  ASSERT_TRUE(scanner->Start(
      [&](Scan scan) {
        check_in.Submit(scan.text, [&](visits::ScanCheckInResult r) {
          r.accepted ? indicator.Accepted() : indicator.Refused();
          std::lock_guard lock(mu);
          results.push_back(std::move(r));
          cv.notify_all();
        });
      },
      [&](ScannerState s) {
        if (s == ScannerState::kConnected) connected.set_value();
      }));
  ASSERT_EQ(connected.get_future().wait_for(std::chrono::seconds(10)), std::future_status::ready);

  const int64_t now = world.clock().NowUnix();
  boost::json::object claims{{"iss", "https://hq.example"},
                             {"sub", "loyalty-777"},
                             {"aud", "store-0042"},
                             {"iat", now},
                             {"exp", now + 120},
                             {"jti", "scan-1"},
                             {"purposes", boost::json::array{"offers"}}};
  const std::string code =
      ValueOrDie(privacy::SignJws(hq_key, hq_random, "hq-1", "JWT", claims), "mint");
  const int fd = ::open(config.device.c_str(), O_WRONLY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  const std::string lines = code + "\n" + code + "\n" + "4006381333931\n";  // + replay + EAN
  ASSERT_EQ(::write(fd, lines.data(), lines.size()), static_cast<ssize_t>(lines.size()));
  ::close(fd);

  {
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return results.size() == 3; }));
  }
  scanner->Stop();
  // The refusal before any write completes at once; the two writes complete after commit.
  std::sort(results.begin(), results.end(),
            [](const auto& x, const auto& y) { return x.reason < y.reason; });
  EXPECT_EQ(results[0].reason, "checked-in");
  EXPECT_TRUE(results[0].accepted);
  EXPECT_FALSE(results[0].visit_pseudonym.empty());
  EXPECT_EQ(results[0].purposes, (std::vector<std::string>{"presence", "offers"}));
  EXPECT_EQ(results[1].reason, "not-a-loyalty-code");
  EXPECT_EQ(results[2].reason, "token-replayed");
  auto calls = indicator.calls();
  std::sort(calls.begin(), calls.end());
  EXPECT_EQ(calls, (std::vector<std::string>{"accepted", "refused", "refused"}));

  // Durable: the visit is in the database, on the loyalty_scan channel.
  EXPECT_EQ(world.database().Count("visits", "channel = 'loyalty_scan' AND ended_at IS NULL"), 1);
  const std::string subject =
      world.keys().pseudonymizer().SubjectId("https://hq.example", "loyalty-777");
  EXPECT_EQ(world.StatusOf(subject, consent::Purpose::kOffers).state,
            consent::ConsentState::kGranted);
}

}  // namespace
}  // namespace optin::drivers::scan_to_check_in_test
