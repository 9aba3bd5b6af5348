// The test runner: doctest's own, plus one rule of the repository's contract: a run that executes
// no test case is a failure (a filter that matches nothing, a build that registered no tests, every
// case skipped). Skipped cases are reported by doctest as skipped, never as passed.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <cstdio>

namespace {

int g_started = 0;  // test cases that actually ran (doctest does not start skipped ones)

// A listener, not a reporter: it sees every event without changing doctest's output.
struct CountRun : doctest::IReporter {
  explicit CountRun(const doctest::ContextOptions&) {}
  void report_query(const doctest::QueryData&) override {}
  void test_run_start() override {}
  void test_run_end(const doctest::TestRunStats&) override {}
  void test_case_start(const doctest::TestCaseData&) override { ++g_started; }
  void test_case_reenter(const doctest::TestCaseData&) override {}
  void test_case_end(const doctest::CurrentTestCaseStats&) override {}
  void test_case_exception(const doctest::TestCaseException&) override {}
  void subcase_start(const doctest::SubcaseSignature&) override {}
  void subcase_end() override {}
  void log_assert(const doctest::AssertData&) override {}
  void log_message(const doctest::MessageData&) override {}
  void test_case_skipped(const doctest::TestCaseData&) override {}
};

}  // namespace

DOCTEST_REGISTER_LISTENER("count-run", 1, CountRun);

int main(int argc, char** argv) {
  doctest::Context context(argc, argv);
  const int rc = context.run();
  if (context.shouldExit()) return rc;  // --help, --list-test-cases and the like run no test
  if (rc == 0 && g_started == 0) {
    std::fprintf(stderr, "film_tests: no test case ran (every case filtered out or skipped): failing\n");
    return 1;
  }
  return rc;
}
