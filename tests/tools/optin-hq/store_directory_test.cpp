// The stores file: TOML and CSV into one immutable directory; each error names its line.
#include "tools/optin-hq/store_directory.h"

#include <gtest/gtest.h>

#include <fstream>

#include "tests/support/temp_dir.h"
#include "tools/optin-hq/utc_day.h"

namespace optin::hq::store_directory_test {
namespace {

constexpr std::string_view kToml = R"(# The chain's stores.
[[store]]
id = "it-mi-001"
name = "Milano Centrale"
region = "north"
country = "IT"
opened = 2024-03-01

[[store]]
id = "it-rm-002"
name = "Roma Termini"
region = "centre"
country = "IT"
opened = "2025-06-15"
closed = 2026-01-10
)";

constexpr std::string_view kCsv =
    "id,name,region,country,opened,closed\r\n"
    "it-mi-001,Milano Centrale,north,IT,2024-03-01,\r\n"
    "\r\n"
    "it-rm-002,\"Roma, Termini \"\"Est\"\"\",centre,IT,2025-06-15,2026-01-10\r\n";

std::string ErrorOf(std::string_view text, StoresFormat format = StoresFormat::kToml) {
  auto d = StoreDirectory::Parse(text, format, "stores.test");
  return d ? "" : d.error().message;
}

TEST(StoreDirectoryTest, ATomlFileListsEveryStoreWithItsDates) {
  auto d = StoreDirectory::Parse(kToml, StoresFormat::kToml, "stores.toml");
  ASSERT_TRUE(d) << d.error().message;
  ASSERT_EQ(d->stores().size(), 2u);
  const StoreInfo* mi = d->Find("it-mi-001");
  ASSERT_NE(mi, nullptr);
  EXPECT_EQ(mi->name, "Milano Centrale");
  EXPECT_EQ(mi->region, "north");
  EXPECT_EQ(mi->country, "IT");
  EXPECT_EQ(mi->opened_day, ParseIsoDate("2024-03-01").value());
  EXPECT_FALSE(mi->closed_day);
  EXPECT_EQ(mi->line, 2);
  const StoreInfo* rm = d->Find("it-rm-002");
  ASSERT_NE(rm, nullptr);
  EXPECT_EQ(rm->opened_day, ParseIsoDate("2025-06-15").value());
  EXPECT_EQ(rm->closed_day, ParseIsoDate("2026-01-10"));
  EXPECT_EQ(d->Find("it-na-003"), nullptr);
  EXPECT_EQ(d->Regions(), (std::vector<std::string>{"centre", "north"}));
}

TEST(StoreDirectoryTest, ACsvFileReadsTheSameAsTheToml) {
  auto csv = StoreDirectory::Parse(kCsv, StoresFormat::kCsv, "stores.csv");
  ASSERT_TRUE(csv) << csv.error().message;
  auto toml = StoreDirectory::Parse(kToml, StoresFormat::kToml, "stores.toml");
  ASSERT_TRUE(toml);
  ASSERT_EQ(csv->stores().size(), toml->stores().size());
  for (size_t i = 0; i < csv->stores().size(); ++i) {
    const StoreInfo& a = csv->stores()[i];
    const StoreInfo& b = toml->stores()[i];
    EXPECT_EQ(a.id, b.id);
    EXPECT_EQ(a.region, b.region);
    EXPECT_EQ(a.opened_day, b.opened_day);
    EXPECT_EQ(a.closed_day, b.closed_day);
  }
  EXPECT_EQ(csv->Find("it-rm-002")->name, "Roma, Termini \"Est\"");
  EXPECT_EQ(csv->Find("it-rm-002")->line, 4);
}

TEST(StoreDirectoryTest, EachErrorNamesTheLineAtFault) {
  EXPECT_EQ(ErrorOf("[[store]]\nid = \"a\"\nname = \"A\"\nregion = \"r\"\ncountry = \"Italy\"\n"
                    "opened = 2024-01-01\n"),
            "stores.test:5: country 'Italy' must be two capital letters (ISO 3166-1, e.g. IT)");
  EXPECT_EQ(ErrorOf("[[store]]\nid = \"a b\"\nname = \"A\"\nregion = \"r\"\ncountry = \"IT\"\n"
                    "opened = 2024-01-01\n"),
            "stores.test:2: store id 'a b' must be 1-64 letters, digits, '.', '_' or '-'");
  EXPECT_EQ(ErrorOf("[[store]]\nid = \"a\"\nname = \"A\"\ncountry = \"IT\"\nopened = 2024-01-01\n"),
            "stores.test:1: the store has no 'region'");
  EXPECT_EQ(ErrorOf("[[store]]\nid = \"a\"\nname = \"A\"\nregion = \"r\"\ncountry = \"IT\"\n"
                    "opened = \"2024-02-30\"\n"),
            "stores.test:6: opening date '2024-02-30' is not a date YYYY-MM-DD");
  EXPECT_EQ(ErrorOf("[[store]]\nid = \"a\"\nname = \"A\"\nregion = \"r\"\ncountry = \"IT\"\n"
                    "opened = 2024-01-01\nclosed = 2023-12-31\n"),
            "stores.test:7: closing date must be after the opening date");
  EXPECT_EQ(ErrorOf("[[store]]\nid = \"a\"\nname = \"A\"\nregion = \"r\"\ncountry = \"IT\"\n"
                    "opened = 2024-01-01\nmanager = \"Sarah\"\n"),
            "stores.test:7: unknown key 'manager' (a store has id, name, region, country, "
            "opened, closed)");
  EXPECT_EQ(ErrorOf(std::string(kToml) + "\n[[store]]\nid = \"it-mi-001\"\nname = \"B\"\n"
                                         "region = \"r\"\ncountry = \"IT\"\nopened = 2024-01-01\n"),
            "stores.test:17: store id 'it-mi-001' is already listed on line 2");
  // A TOML syntax error carries the parser's line.
  EXPECT_TRUE(ErrorOf("[[store]]\nid = \"a\"\nname = A\n").starts_with("stores.test:3: "))
      << ErrorOf("[[store]]\nid = \"a\"\nname = A\n");
  EXPECT_EQ(ErrorOf("# nothing\n"), "stores.test:1: the file lists no store");
  // CSV.
  EXPECT_EQ(
      ErrorOf("id,name,region,country,opened\na,A,r,IT,2024-01-01\nb,B,r,IT\n", StoresFormat::kCsv),
      "stores.test:3: the row has 4 fields, the header 5");
  EXPECT_EQ(ErrorOf("id,name,region,nation,opened\n", StoresFormat::kCsv),
            "stores.test:1: unknown column 'nation' (the header names id, name, region, "
            "country, opened and optionally closed)");
  EXPECT_EQ(ErrorOf("id,name,region,country,opened\na,A,r,IT,2024-01-01\nb,\"B,r,IT,2024\n",
                    StoresFormat::kCsv),
            "stores.test:3: a quoted field is not closed on its line");
  EXPECT_EQ(ErrorOf("id,name,region,country,opened\na,A,r,IT,01/02/2024\n", StoresFormat::kCsv),
            "stores.test:2: opening date '01/02/2024' is not a date YYYY-MM-DD");
}

TEST(StoreDirectoryTest, TheErrorNamesTheFieldForTheApi) {
  auto d = StoreDirectory::Parse("id,name,region,country,opened\na,A,r,it,2024-01-01\n",
                                 StoresFormat::kCsv, "stores.csv");
  ASSERT_FALSE(d);
  EXPECT_EQ(d.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(d.error().field, "country");
  EXPECT_EQ(d.error().reason, "invalid-stores-file");
}

TEST(StoreDirectoryTest, LoadTakesTheFormatFromTheExtension) {
  testing::TempDir dir;
  std::ofstream(dir / "stores.csv") << kCsv;
  std::ofstream(dir / "stores.toml") << kToml;
  std::ofstream(dir / "stores.txt") << kCsv;
  auto csv = StoreDirectory::Load(dir / "stores.csv");
  ASSERT_TRUE(csv) << csv.error().message;
  EXPECT_EQ(csv->stores().size(), 2u);
  auto toml = StoreDirectory::Load(dir / "stores.toml");
  ASSERT_TRUE(toml) << toml.error().message;
  EXPECT_EQ(toml->stores().size(), 2u);
  EXPECT_FALSE(StoreDirectory::Load(dir / "stores.txt"));
  auto absent = StoreDirectory::Load(dir / "absent.toml");
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().code, ErrorCode::kNotFound);
  // The message names the file that was read.
  std::ofstream(dir / "bad.toml") << "[[store]]\nid = 7\n";
  auto bad = StoreDirectory::Load(dir / "bad.toml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().message, (dir / "bad.toml").string() + ":2: 'id' must be a string");
}

}  // namespace
}  // namespace optin::hq::store_directory_test
