#include "gateway/server/chunked_body_check.hpp"

#include <gtest/gtest.h>

#include <string>

namespace gangway {
namespace {

struct chunk_case {
    const char* name;
    std::string bytes;
    chunked_check expected;
};

class ChunkedBodyCheckTable : public ::testing::TestWithParam<chunk_case> {};

TEST_P(ChunkedBodyCheckTable, JudgesFramingSentSoFar) {
    EXPECT_EQ(check_chunked_prefix(GetParam().bytes), GetParam().expected);
}

const chunk_case chunk_cases[] = {
    {"Empty", "", chunked_check::incomplete_ok},
    {"OneChunkComplete", "5\r\nhello\r\n0\r\n\r\n", chunked_check::ok},
    {"TwoChunksComplete", "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n", chunked_check::ok},
    {"UpperHex", "A\r\n0123456789\r\n0\r\n\r\n", chunked_check::ok},
    {"Extension", "5;name=value\r\nhello\r\n0\r\n\r\n", chunked_check::ok},
    {"Trailer", "5\r\nhello\r\n0\r\nX-Sum: 1\r\n\r\n", chunked_check::ok},
    {"PipelinedAfterEndIgnored", "0\r\n\r\nGARBAGE", chunked_check::ok},
    {"SizeLineSplit", "5", chunked_check::incomplete_ok},
    {"SizeLineCrOnly", "5\r", chunked_check::incomplete_ok},
    {"DataPartial", "5\r\nhel", chunked_check::incomplete_ok},
    {"DataThenCr", "5\r\nhello\r", chunked_check::incomplete_ok},
    {"LastChunkNoFinalCrlf", "5\r\nhello\r\n0\r\n", chunked_check::incomplete_ok},
    {"HugeSizeIsIncomplete", "ffffffffffffffff\r\nab", chunked_check::incomplete_ok},
    {"NotHex", "zz\r\nhello\r\n", chunked_check::bad},
    {"SeventeenDigits", "10000000000000000\r\n", chunked_check::bad},
    {"HexPrefix", "0x5\r\nhello\r\n", chunked_check::bad},
    {"Negative", "-5\r\nhello\r\n", chunked_check::bad},
    {"EmptySize", "\r\nhello\r\n", chunked_check::bad},
    {"BareLfAfterSize", "5\nhello\r\n0\r\n\r\n", chunked_check::bad},
    {"BareCrAfterSize", "5\rhello", chunked_check::bad},
    {"DataLongerThanSize", "5\r\nhello world\r\n0\r\n\r\n", chunked_check::bad},
    {"DataWithoutCrlf", "5\r\nhello0\r\n\r\n", chunked_check::bad},
    {"SpaceInsideSize", "5 5\r\nhello\r\n", chunked_check::bad},
    {"ControlInExtension", std::string("5;a\0b\r\nhello\r\n", 14), chunked_check::bad},
    {"SecondChunkBroken", "5\r\nhello\r\nzz\r\n", chunked_check::bad},
    {"TrailerObsFold", "0\r\n folded\r\n\r\n", chunked_check::bad},
    {"TrailerWithoutColon", "0\r\nnocolon\r\n\r\n", chunked_check::bad},
};

INSTANTIATE_TEST_SUITE_P(Cases, ChunkedBodyCheckTable, ::testing::ValuesIn(chunk_cases),
                         [](const auto& test_case) { return std::string(test_case.param.name); });

}  // namespace
}  // namespace gangway
