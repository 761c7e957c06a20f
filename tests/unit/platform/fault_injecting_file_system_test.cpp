#include "platform/fault_injecting_file_system.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "tests/support/temp_dir.h"

namespace optin::platform::fault_injecting_file_system_test {
namespace {

class FaultInjectingFileSystemTest : public ::testing::Test {
 protected:
  testing::TempDir dir_;
  FaultInjectingFileSystem faulty_{FileSystem::Default()};
  // Used through the base class, which is where the default arguments (mode) are declared.
  FileSystem& fs_ = faulty_;
};

TEST_F(FaultInjectingFileSystemTest, PassesThroughUntilArmed) {
  ASSERT_TRUE(fs_.WriteFileAtomic(dir_ / "a", "1"));
  ASSERT_TRUE(fs_.CreateDirectories(dir_ / "d"));
  ASSERT_TRUE(fs_.Remove(dir_ / "d"));
  EXPECT_EQ(fs_.ReadFile(dir_ / "a").value(), "1");
  EXPECT_EQ(faulty_.mutating_operations(), 3);
}

TEST_F(FaultInjectingFileSystemTest, FailsAfterNMutatingOperationsUntilHealed) {
  faulty_.FailAfter(2);
  EXPECT_TRUE(fs_.WriteFileAtomic(dir_ / "a", "1"));
  EXPECT_TRUE(fs_.WriteFileAtomic(dir_ / "b", "2"));
  auto failed = fs_.WriteFileAtomic(dir_ / "c", "3");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kResourceExhausted);
  EXPECT_NE(failed.error().message.find("No space left on device"), std::string::npos);
  EXPECT_FALSE(fs_.CreateDirectories(dir_ / "d"));
  EXPECT_FALSE(fs_.Remove(dir_ / "a"));
  EXPECT_FALSE(fs_.OpenDevice("/dev/null", 0));
  // Reads still work while writes fail.
  EXPECT_EQ(fs_.ReadFile(dir_ / "a").value(), "1");
  EXPECT_TRUE(fs_.Exists(dir_ / "a").value());
  EXPECT_EQ(fs_.Mode(dir_ / "a").value(), 0600u);
  EXPECT_EQ(fs_.List(dir_.path()).value().size(), 2u);
  EXPECT_FALSE(fs_.Exists(dir_ / "c").value());
  EXPECT_EQ(faulty_.mutating_operations(), 6);

  faulty_.Heal();
  EXPECT_TRUE(fs_.WriteFileAtomic(dir_ / "c", "3"));
}

TEST_F(FaultInjectingFileSystemTest, FailAfterZeroFailsTheNextOperationWithTheGivenErrno) {
  faulty_.FailAfter(0, EACCES);
  auto failed = fs_.CreateDirectories(dir_ / "d");
  ASSERT_FALSE(failed);
  EXPECT_EQ(failed.error().code, ErrorCode::kPermissionDenied);
}

TEST_F(FaultInjectingFileSystemTest, WriteFileAtomicLeavesOldContentWhenTheWriteFails) {
  const auto path = dir_ / "state";
  ASSERT_TRUE(fs_.WriteFileAtomic(path, "old"));
  faulty_.FailAfter(0);
  EXPECT_FALSE(fs_.WriteFileAtomic(path, "new"));
  EXPECT_EQ(fs_.ReadFile(path).value(), "old");
  EXPECT_EQ(fs_.List(dir_.path()).value().size(), 1u);
}

}  // namespace
}  // namespace optin::platform::fault_injecting_file_system_test
