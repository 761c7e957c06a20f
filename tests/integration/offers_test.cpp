// Offers against the real daemon (issue 7, privacy lines 2 and 3): the catalog file beside the
// config, reloaded by SIGHUP; a refused catalog (forbidden attribute, personalized price) leaves
// the previous one in force; an HQ-signed bundle is verified before it is applied; and every
// shopper, whatever they declared, sees the catalog's own price and terms.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>

#include <boost/json/serialize.hpp>
#include <fstream>
#include <random>
#include <sstream>

#include "tests/integration/daemon_harness.h"

namespace optin::testing::offers_test {
namespace {

using boost::json::array;
using boost::json::object;

const std::vector<std::string> kCategories = {"running", "trail running", "hiking",
                                              "cycling", "yoga",          "climbing"};

// Three offers per category, each with its own price and terms.
object CatalogJson(const std::string& version) {
  const int64_t now = std::time(nullptr);
  array offers;
  int n = 0;
  for (const auto& category : kCategories) {
    for (const char* level : {"beginner", "intermediate", "expert"}) {
      ++n;
      offers.push_back(
          object{{"id", "offer-" + std::to_string(n)},
                 {"title", category + " kit, " + level},
                 {"description", "For " + category + "."},
                 {"categories", array{boost::json::string(category)}},
                 {"expertise", level},
                 {"price", object{{"amount_minor", 990 + 100 * n}, {"currency", "EUR"}}},
                 {"terms", "Terms " + std::to_string(n) + ": while stocks last."},
                 {"valid_from", now - 60},
                 {"valid_until", now + 86400}});
    }
  }
  return object{{"version", version}, {"offers", std::move(offers)}};
}

class OffersDaemonTest : public DaemonTest {
 protected:
  // The catalog file beside the daemon's config file (offers.catalog_file's default).
  std::filesystem::path CatalogFile() const { return dir_ / "offers.json"; }
  void WriteCatalog(const std::string& text) {
    std::ofstream(CatalogFile(), std::ios::trunc) << text;
  }
  size_t CountLog(const std::string& event) const {
    std::istringstream lines(ReadWholeFile(daemon_->log_file()));
    size_t n = 0;
    for (std::string line; std::getline(lines, line);) {
      if (line.find("\"event\":\"" + event + "\"") != std::string::npos) ++n;
    }
    return n;
  }
  // SIGHUP, then wait for the daemon to log the catalog's outcome.
  void ReloadAndWaitFor(const std::string& event) {
    const size_t before = CountLog(event);
    const std::string pid = ReadWholeFile(daemon_->data_dir() / "optin-edged.pid");
    ASSERT_FALSE(pid.empty());
    ASSERT_EQ(kill(std::stoi(pid), SIGHUP), 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (CountLog(event) <= before) {
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "no " << event << " in the log";
      poll(nullptr, 0, 20);  // waiting for the daemon's log line
    }
  }
  // A shopper with offers and these interests; returns the visit token.
  std::string Shopper(const std::string& sub, const array& interests, bool history = false) {
    auto c = CheckIn(sub, history ? R"({"offers": true, "history": true})" : R"({"offers": true})");
    auto r =
        daemon_->Request("PUT", "/v1/me/interests",
                         boost::json::serialize(object{{"interests", interests}}), c.visit_token);
    EXPECT_EQ(r.status, 200) << r.body;
    return c.visit_token;
  }
};

// Line 3: personalization only chooses and orders offers; price and terms never vary.
TEST_F(OffersDaemonTest, EveryShopperGetsTheCatalogsOwnPriceAndTerms) {
  const object catalog = CatalogJson("v1");
  WriteCatalog(boost::json::serialize(catalog));
  ReloadAndWaitFor("offers.catalog_loaded");
  std::map<std::string, object> by_id;
  for (const auto& o : catalog.at("offers").as_array()) {
    by_id[std::string(o.as_object().at("id").as_string())] = o.as_object();
  }

  std::mt19937 rng(7);
  const char* levels[] = {"beginner", "intermediate", "expert"};
  int seen = 0;
  for (int i = 0; i < 12; ++i) {
    array interests;
    for (const auto& c : kCategories) {
      if (rng() % 2) interests.push_back(object{{"topic", c}, {"expertise", levels[rng() % 3]}});
    }
    if (interests.empty()) interests.push_back(boost::json::string(kCategories[i % 6]));
    const std::string token = Shopper("price-shopper-" + std::to_string(i), interests);
    auto r = daemon_->Request("GET", "/v1/offers", "", token);
    ASSERT_EQ(r.status, 200) << r.body;
    const boost::json::value body = r.json();
    for (const auto& v : body.as_object().at("offers").as_array()) {
      const auto& o = v.as_object();
      const auto& original = by_id.at(std::string(o.at("id").as_string()));
      EXPECT_EQ(boost::json::serialize(o.at("price")),
                boost::json::serialize(original.at("price")));
      EXPECT_EQ(o.at("terms"), original.at("terms"));
      EXPECT_FALSE(o.at("reason").as_string().empty());
      ++seen;
    }
  }
  EXPECT_GT(seen, 12);
}

// Line 2 and "refused whole": a catalog naming a forbidden attribute or a per-shopper price is
// refused, the daemon says why, and the previous catalog stays in force.
TEST_F(OffersDaemonTest, ARefusedCatalogLeavesThePreviousOneInForce) {
  WriteCatalog(boost::json::serialize(CatalogJson("v1")));
  ReloadAndWaitFor("offers.catalog_loaded");
  const std::string token = Shopper("reload-shopper", array{boost::json::string("hiking")});

  for (const char* bad_member : {"age_min", "personal_price"}) {
    object broken = CatalogJson("v2-broken");
    broken.at("offers").as_array()[4].as_object()[bad_member] = 18;
    WriteCatalog(boost::json::serialize(broken));
    ReloadAndWaitFor("offers.catalog_refused");
    auto r = daemon_->Request("GET", "/v1/offers", "", token);
    ASSERT_EQ(r.status, 200) << r.body;
    EXPECT_EQ(r.json().as_object().at("catalog_version").as_string(), "v1") << bad_member;
  }
  EXPECT_NE(ReadWholeFile(daemon_->log_file()).find("/offers/4/"), std::string::npos)
      << "the refusal names the offer at fault";
}

TEST_F(OffersDaemonTest, HqSignedBundleIsVerifiedBeforeItIsApplied) {
  ASSERT_TRUE(daemon_->Stop() == 0);
  const auto config = dir_ / "bundle.toml";
  std::ofstream(config) << "[listen]\nplain_http = true\n[admin]\nport = 0\n[offers]\n"
                           "source = \"hq-bundle\"\n";
  daemon_ = std::make_unique<Daemon>(dir_ / "data", std::vector<std::string>{"--config", config});
  const auto plain = dir_ / "catalog-source.json";
  std::ofstream(plain) << boost::json::serialize(CatalogJson("hq-1"));
  daemon_->Ctl("catalog sign --in " + plain.string() + " --out " + (dir_ / "offers.jws").string());
  const size_t loaded_before = CountLog("offers.catalog_loaded");  // the log is appended to
  ASSERT_TRUE(daemon_->Start()) << ReadWholeFile(daemon_->log_file());
  ASSERT_EQ(CountLog("offers.catalog_loaded"), loaded_before + 1)
      << ReadWholeFile(daemon_->log_file());
  const std::string token = Shopper("bundle-shopper", array{boost::json::string("yoga")});
  auto r = daemon_->Request("GET", "/v1/offers", "", token);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json().as_object().at("catalog_version").as_string(), "hq-1");
  EXPECT_FALSE(r.json().as_object().at("offers").as_array().empty());

  // A forged bundle: the payload changed after signing. Refused; hq-1 stays.
  std::string jws = ReadWholeFile(dir_ / "offers.jws");
  const size_t dot = jws.find('.');
  ASSERT_NE(dot, std::string::npos);
  // Flip one signature character: the payload is intact, only the signature is wrong.
  const size_t last = jws.find_last_of('.') + 5;
  jws[last] = jws[last] == 'A' ? 'B' : 'A';
  std::ofstream(dir_ / "offers.jws", std::ios::trunc) << jws;
  ReloadAndWaitFor("offers.catalog_refused");
  const std::string log = ReadWholeFile(daemon_->log_file());
  const std::string refusal = log.substr(log.rfind("offers.catalog_refused"));
  EXPECT_NE(refusal.find("signature"), std::string::npos) << refusal;
  auto after = daemon_->Request("GET", "/v1/offers", "", token);
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json().as_object().at("catalog_version").as_string(), "hq-1");
}

}  // namespace
}  // namespace optin::testing::offers_test
