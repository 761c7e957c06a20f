#include "platform/mbedtls_error.h"

#include <gtest/gtest.h>

namespace optin::platform::mbedtls_error_test {
namespace {

TEST(MbedtlsErrorTest, NamesTheOperationTheMbedtlsReasonAndTheCode) {
  const Error error = MbedtlsError(-0x0012 /* MBEDTLS_ERR_GCM_AUTH_FAILED */, "opening a note");
  EXPECT_EQ(error.code, ErrorCode::kCrypto);
  EXPECT_TRUE(error.message.starts_with("opening a note: ")) << error.message;
  EXPECT_NE(error.message.find("GCM"), std::string::npos) << error.message;
  EXPECT_TRUE(error.message.ends_with("(-0x0012)")) << error.message;
}

TEST(MbedtlsErrorTest, UsesTheGivenCodeWhenOneIsPassed) {
  EXPECT_EQ(MbedtlsError(-0x3D00, "parsing", ErrorCode::kInvalidArgument).code,
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace optin::platform::mbedtls_error_test
