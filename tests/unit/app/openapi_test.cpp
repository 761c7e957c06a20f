// The API contract (firmware/api/openapi.json) and the daemon's router agree: every route the
// daemon serves is documented, and every documented operation is served.
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <fstream>
#include <set>
#include <sstream>

#include "app/config.h"
#include "app/service.h"
#include "tests/support/temp_dir.h"

namespace optin::app::openapi_test {
namespace {

std::string ReadFile(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

TEST(OpenApiContractTest, EveryServedRouteIsDocumentedAndEveryDocumentedRouteIsServed) {
  testing::TempDir dir;
  Config config;
  config.data_dir = dir / "data";
  config.listen.port = 0;
  config.listen.plain_http = true;
  config.admin.port = 0;
  auto service = Service::Create(config);
  ASSERT_TRUE(service.has_value()) << service.error().message;

  std::set<std::string> served;
  for (const auto& r : (*service)->Routes()) served.insert(r.method + " " + r.pattern);

  const auto doc_text =
      ReadFile(std::filesystem::path(OPTIN_SOURCE_DIR) / "firmware" / "api" / "openapi.json");
  boost::system::error_code ec;
  auto doc = boost::json::parse(doc_text, ec);
  ASSERT_FALSE(ec) << "openapi.json is not valid JSON: " << ec.message();
  ASSERT_EQ(doc.at("openapi").as_string(), "3.1.0");
  std::set<std::string> documented;
  for (const auto& [path, item] : doc.at("paths").as_object()) {
    for (const auto& [method, op] : item.as_object()) {
      documented.insert(Upper(std::string(method)) + " " + std::string(path));
      EXPECT_TRUE(op.as_object().contains("responses")) << method << " " << path;
    }
  }
  for (const auto& route : served) {
    EXPECT_TRUE(documented.contains(route)) << "served but not in openapi.json: " << route;
  }
  for (const auto& route : documented) {
    EXPECT_TRUE(served.contains(route)) << "in openapi.json but not served: " << route;
  }
  EXPECT_GT(served.size(), 20u);
}

}  // namespace
}  // namespace optin::app::openapi_test
