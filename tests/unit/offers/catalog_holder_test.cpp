// The catalog in force: a load that fails in any way leaves the previous catalog in force, and
// readers keep a consistent catalog while another thread replaces it (issue 7, part 1).
#include "offers/catalog_holder.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/json/serialize.hpp>
#include <string>
#include <thread>
#include <vector>

#include "platform/file_system.h"
#include "platform/random.h"
#include "privacy/jws.h"
#include "tests/support/domain_fixture.h"
#include "tests/support/temp_dir.h"

namespace optin::offers::catalog_holder_test {
namespace {

namespace json = boost::json;
using optin::testing::TempDir;
using optin::testing::ValueOrDie;

constexpr int64_t kNow = 1'790'000'000;

CatalogRules Rules() { return CatalogRules{{"hiking", "climbing"}}; }

json::object CatalogJson(std::string version, int offers, std::string currency = "EUR") {
  json::array list;
  for (int i = 0; i < offers; ++i) {
    list.push_back(
        json::object{{"id", version + "-" + std::to_string(i)},
                     {"title", "Offer " + std::to_string(i)},
                     {"categories", json::array{"hiking"}},
                     {"price", json::object{{"amount_minor", 100 + i}, {"currency", currency}}},
                     {"valid_from", kNow - 10},
                     {"valid_until", kNow + 1000}});
  }
  return json::object{{"version", version}, {"offers", std::move(list)}};
}

class CatalogHolderTest : public ::testing::Test {
 protected:
  CatalogHolderTest()
      : random_(3), hq_(ValueOrDie(platform::EcdsaPrivateKey::Generate(random_), "hq key")) {}

  void WriteFile(const std::string& text) { ASSERT_TRUE(fs_.WriteFileAtomic(file_, text, 0600)); }
  std::string Bundle(json::object payload, int64_t expires_at = kNow + 3600,
                     const platform::EcdsaPrivateKey* key = nullptr) {
    payload["expires_at"] = expires_at;
    return ValueOrDie(
        privacy::SignJws(key ? *key : hq_, random_, "hq", kCatalogBundleType, payload), "sign");
  }
  Status LoadBundleFile() {
    return holder_.LoadBundle(fs_, file_, hq_.PublicKey(), Rules(), kNow, "store-1");
  }

  TempDir dir_;
  platform::FileSystem& fs_ = platform::FileSystem::Default();
  std::filesystem::path file_ = dir_ / "catalog.json";
  platform::SeededRandom random_;
  platform::EcdsaPrivateKey hq_;
  CatalogHolder holder_;
};

TEST_F(CatalogHolderTest, StartsWithTheEmptyCatalog) {
  auto c = holder_.Current();
  ASSERT_NE(c, nullptr);
  EXPECT_TRUE(c->offers.empty());
  EXPECT_TRUE(c->version.empty());
}

TEST_F(CatalogHolderTest, LoadFileInstallsAValidCatalog) {
  WriteFile(json::serialize(CatalogJson("v1", 3)));
  ASSERT_TRUE(holder_.LoadFile(fs_, file_, Rules()));
  auto c = holder_.Current();
  EXPECT_EQ(c->version, "v1");
  EXPECT_EQ(c->source, "file");
  EXPECT_EQ(c->offers.size(), 3u);
}

TEST_F(CatalogHolderTest, MissingFileMeansNoOffers) {
  WriteFile(json::serialize(CatalogJson("v1", 3)));
  ASSERT_TRUE(holder_.LoadFile(fs_, file_, Rules()));
  ASSERT_TRUE(fs_.Remove(file_));
  ASSERT_TRUE(holder_.LoadFile(fs_, file_, Rules()));
  EXPECT_TRUE(holder_.Current()->offers.empty());
}

TEST_F(CatalogHolderTest, InvalidFileLeavesThePreviousCatalogInForce) {
  WriteFile(json::serialize(CatalogJson("v1", 3)));
  ASSERT_TRUE(holder_.LoadFile(fs_, file_, Rules()));
  auto before = holder_.Current();
  // 49 good offers and one with a lowercase currency: nothing of v2 is applied.
  json::object bad = CatalogJson("v2", 50);
  bad["offers"].as_array()[49].as_object()["price"].as_object()["currency"] = "eur";
  WriteFile(json::serialize(bad));
  auto r = holder_.LoadFile(fs_, file_, Rules());
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().field, "/offers/49/price/currency");
  EXPECT_EQ(holder_.Current(), before);
  EXPECT_EQ(holder_.Current()->version, "v1");
  WriteFile("{not json");
  EXPECT_FALSE(holder_.LoadFile(fs_, file_, Rules()));
  EXPECT_EQ(holder_.Current(), before);
}

TEST_F(CatalogHolderTest, UnreadableFileLeavesThePreviousCatalogInForce) {
  WriteFile(json::serialize(CatalogJson("v1", 2)));
  ASSERT_TRUE(holder_.LoadFile(fs_, file_, Rules()));
  auto before = holder_.Current();
  ASSERT_TRUE(fs_.CreateDirectories(dir_ / "a-directory", 0700));
  EXPECT_FALSE(holder_.LoadFile(fs_, dir_ / "a-directory", Rules()));
  EXPECT_EQ(holder_.Current(), before);
}

TEST_F(CatalogHolderTest, SignedBundleIsInstalledAndBadOnesLeaveItInForce) {
  WriteFile(Bundle(CatalogJson("b1", 4)));
  ASSERT_TRUE(LoadBundleFile());
  auto before = holder_.Current();
  EXPECT_EQ(before->source, "hq-bundle");
  EXPECT_EQ(before->version, "b1");

  platform::SeededRandom other_random(99);
  auto forger = ValueOrDie(platform::EcdsaPrivateKey::Generate(other_random), "forger");
  WriteFile(Bundle(CatalogJson("forged", 4, "EUR"), kNow + 3600, &forger));
  EXPECT_EQ(LoadBundleFile().error().reason, "bundle-signature");
  EXPECT_EQ(holder_.Current(), before);

  WriteFile(Bundle(CatalogJson("old", 4), kNow - 1));
  EXPECT_EQ(LoadBundleFile().error().reason, "bundle-expired");
  EXPECT_EQ(holder_.Current(), before);

  json::object personalized = CatalogJson("b2", 4);
  personalized["offers"].as_array()[2].as_object()["personal_price"] = 1;
  WriteFile(Bundle(personalized));
  EXPECT_EQ(LoadBundleFile().error().reason, "personalized-price");
  EXPECT_EQ(holder_.Current(), before);

  EXPECT_EQ(holder_.ApplyBundle("garbage", hq_.PublicKey(), Rules(), kNow).error().reason,
            "bundle-malformed");
  EXPECT_EQ(holder_.Current(), before);
}

TEST_F(CatalogHolderTest, ReplaceReindexesAndReadersKeepTheirSnapshot) {
  auto empty = holder_.Current();
  Catalog c;
  c.version = "by-hand";
  c.offers.push_back(Offer{"b", "B", "", {"hiking"}, {}, {1, "EUR"}, "", 0, 10, {}});
  c.offers.push_back(Offer{"a", "A", "", {"climbing"}, {}, {1, "EUR"}, "", 0, 10, {}});
  holder_.Replace(std::move(c));
  auto now = holder_.Current();
  EXPECT_TRUE(empty->offers.empty());  // the old snapshot is untouched and still alive
  ASSERT_TRUE(now->indexed());
  EXPECT_EQ(now->offers[0].id, "a");
  EXPECT_EQ(now->by_category.at("hiking").all, (std::vector<uint32_t>{1}));
}

TEST_F(CatalogHolderTest, ReadersOnManyThreadsSeeWholeCatalogsWhileItIsReplaced) {
  // Each catalog's offers all carry its version in their ids: a reader that saw a mix would
  // have seen a half-applied catalog.
  std::vector<Catalog> catalogs;
  for (int v = 0; v < 20; ++v) {
    catalogs.push_back(ValueOrDie(
        ParseCatalog(json::serialize(CatalogJson("v" + std::to_string(v), 1 + v % 5)), Rules()),
        "parse"));
  }
  std::atomic<int> finished{0};
  std::atomic<int> inconsistent{0};
  std::atomic<long> reads{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      for (int i = 0; i < 2000; ++i) {
        auto c = holder_.Current();
        for (const Offer& o : c->offers) {
          if (!o.id.starts_with(c->version + "-")) ++inconsistent;
        }
        ++reads;
      }
      ++finished;
    });
  }
  // Replace for as long as any reader is reading.
  for (size_t round = 0; finished.load() < 3; ++round) {
    holder_.Replace(catalogs[round % catalogs.size()]);
  }
  for (auto& t : readers) t.join();
  EXPECT_EQ(inconsistent.load(), 0);
  EXPECT_EQ(reads.load(), 3 * 2000);
}

}  // namespace
}  // namespace optin::offers::catalog_holder_test
