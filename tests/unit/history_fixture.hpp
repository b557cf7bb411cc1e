#pragma once
// The history tests run once per backend: SQLite in a temporary directory, and PostgreSQL at
// $PW_HISTORY_PG_URL (tests/history/pg_server.sh starts a throwaway server and sets it;
// `ctest -L history`). Without the variable the PostgreSQL cases fail under CI=true and are
// skipped, saying why, otherwise.
#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <ostream>
#include <string>

#include <gtest/gtest.h>
#include <unistd.h>

#include "history/sql.hpp"
#include "portwarden/history.hpp"

namespace portwarden::test {

enum class Backend { sqlite, postgres };

inline void PrintTo(Backend backend, std::ostream* os) {
    *os << (backend == Backend::sqlite ? "sqlite" : "postgres");
}

inline std::string backend_name(const ::testing::TestParamInfo<Backend>& info) {
    return ::testing::PrintToString(info.param);
}

// Microsecond timestamps (what the store keeps) from a fixed day onward.
inline HistoryTime at_second(int seconds) {
    return HistoryTime(std::chrono::seconds(1'790'000'000 + seconds)) +
           std::chrono::microseconds(123'456);
}

class HistoryTest : public ::testing::TestWithParam<Backend> {
protected:
    void SetUp() override {
        if (GetParam() == Backend::postgres) {
            const char* url = std::getenv("PW_HISTORY_PG_URL");
            if (url == nullptr || *url == '\0') {
                const char* ci = std::getenv("CI");
                if (ci != nullptr && std::string(ci) == "true") {
                    FAIL() << "PW_HISTORY_PG_URL is not set and CI=true: the PostgreSQL backend "
                              "must be tested (run `ctest -L history`, which starts a server "
                              "with tests/history/pg_server.sh)";
                }
                GTEST_SKIP() << "PW_HISTORY_PG_URL is not set, so the PostgreSQL backend is "
                                "not tested here; `ctest -L history` starts a server for it";
            }
            url_ = url;
            auto db = raw();
            ASSERT_TRUE(db) << db.error().message;
            auto wiped = (*db)->exec_script("DROP SCHEMA public CASCADE; CREATE SCHEMA public");
            ASSERT_TRUE(wiped) << wiped.error().message;
            return;
        }
        // A parameterised test's name is "Name/SQLite": flattened, so that TearDown's
        // remove_all takes the whole directory, not only a "SQLite" inside it.
        std::string name = ::testing::UnitTest::GetInstance()->current_test_info()->name();
        std::replace(name.begin(), name.end(), '/', '_');
        dir_ = std::filesystem::temp_directory_path() / ("pw_history_" + std::to_string(::getpid()) + "_" + name);
        std::filesystem::remove_all(dir_);
        path_ = (dir_ / "sub" / "history.db").string();  // the store creates "sub"
        url_ = "sqlite:" + path_;
    }

    void TearDown() override {
        if (!dir_.empty()) {
            std::filesystem::remove_all(dir_);
        }
    }

    Result<std::unique_ptr<HistoryStore>> open() const { return open_history(url_); }

    std::unique_ptr<HistoryStore> open_ok() const {
        auto store = open();
        EXPECT_TRUE(store) << store.error().message;
        return store ? std::move(*store) : nullptr;
    }

    // A connection beside the store, to look at or tamper with the tables.
    Result<std::unique_ptr<history::SqlConnection>> raw() const {
        if (GetParam() == Backend::postgres) {
            return history::open_postgres(url_);
        }
        std::filesystem::create_directories(std::filesystem::path(path_).parent_path());
        return history::open_sqlite(path_);
    }

    std::filesystem::path dir_;
    std::string path_;
    std::string url_;
};

}  // namespace portwarden::test

// Instantiates a suite derived from HistoryTest for both backends; CTest's `unit` label runs
// the SQLite half, `history` the PostgreSQL half.
#define PW_HISTORY_BACKENDS(suite)                                                          \
    INSTANTIATE_TEST_SUITE_P(SQLite, suite,                                                 \
                             ::testing::Values(::portwarden::test::Backend::sqlite),        \
                             ::portwarden::test::backend_name);                             \
    INSTANTIATE_TEST_SUITE_P(Postgres, suite,                                               \
                             ::testing::Values(::portwarden::test::Backend::postgres),      \
                             ::portwarden::test::backend_name)
