#include "platform/error.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace optin::error_test {
namespace {

TEST(ErrorTest, EveryCodeHasADistinctName) {
  std::set<std::string> names;
  for (int c = static_cast<int>(ErrorCode::kInvalidArgument);
       c <= static_cast<int>(ErrorCode::kInternal); ++c) {
    const std::string_view name = ToString(static_cast<ErrorCode>(c));
    EXPECT_FALSE(name.empty());
    EXPECT_NE(name, "unknown");
    names.emplace(name);
  }
  EXPECT_EQ(names.size(), static_cast<size_t>(ErrorCode::kInternal) + 1);
  EXPECT_EQ(ToString(ErrorCode::kResourceExhausted), "resource-exhausted");
}

Result<int> Half(int x) {
  if (x % 2 != 0) return Fail(ErrorCode::kInvalidArgument, "odd", "/x", "odd-number");
  return x / 2;
}

Result<int> Quarter(int x) {
  OPTIN_ASSIGN_OR_RETURN(int half, Half(x));
  OPTIN_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(ErrorTest, MacrosPropagateTheFirstError) {
  EXPECT_EQ(Quarter(8).value(), 2);
  const auto failed = Quarter(6);
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(failed.error().field, "/x");
  EXPECT_EQ(failed.error().reason, "odd-number");
}

}  // namespace
}  // namespace optin::error_test
