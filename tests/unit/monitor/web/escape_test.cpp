// Tests of monitor/web/escape.cpp: hostile names (markup, quotes, NUL and other controls, invalid
// UTF-8, very long labels) never reach the page as markup or as invalid UTF-8, and links to them
// lead back to the same bytes.
#include "monitor/web/escape.h"

#include <gtest/gtest.h>

#include <string>

namespace zonewatch::web {
namespace {

using namespace std::string_literals;

// Valid UTF-8 by the same definition the escaper uses, checked independently with mbrtowc-free
// arithmetic: every lead byte is followed by the right number of continuation bytes.
bool validUtf8(const std::string& s) {
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : (b >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

TEST(Escape, MarkupAndQuotesBecomeEntities) {
  EXPECT_EQ(html("<script>alert(1)</script>.example."),
            "&lt;script&gt;alert(1)&lt;/script&gt;.example.");
  EXPECT_EQ(html(R"(a"b'c&d.)"), "a&quot;b&#39;c&amp;d.");
  // Already-escaped text is escaped again: what is stored is shown, never interpreted.
  EXPECT_EQ(html("&lt;"), "&amp;lt;");
}

TEST(Escape, ControlsAreShownAsPresentationEscapes) {
  EXPECT_EQ(html("a\0b."s), "a\\000b.");
  EXPECT_EQ(html("\x1b[31mred\x7f."), "\\027[31mred\\127.");
  // Tab and newline stay (evidence and diffs are multi-line); a stored \032 escape stays visible.
  EXPECT_EQ(html("a\tb\nc"), "a\tb\nc");
  EXPECT_EQ(html("a\\032b.example."), "a\\032b.example.");
}

TEST(Escape, InvalidUtf8IsReplacedValidIsKept) {
  EXPECT_EQ(html("\xff\xfe."), "\xEF\xBF\xBD\xEF\xBF\xBD.");
  EXPECT_EQ(html("caf\xc3\xa9."), "caf\xc3\xa9.");                          // é
  EXPECT_EQ(html("\xc0\xaf"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // overlong '/'
  EXPECT_EQ(html("\xed\xa0\x80"), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // a surrogate
  EXPECT_EQ(html("\xe2\x82"), "\xEF\xBF\xBD\xEF\xBF\xBD");                  // cut sequence
  EXPECT_EQ(html("\xf0\x9f\x92\xa9"), "\xf0\x9f\x92\xa9");                  // 4 bytes
  std::string every;
  for (int b = 0; b < 256; ++b) every += static_cast<char>(b);
  EXPECT_TRUE(validUtf8(html(every)));
  EXPECT_TRUE(validUtf8(visible(every)));
  EXPECT_EQ(html(every).find('<'), std::string::npos);
}

TEST(Escape, VeryLongLabelsStayWholeUnlessShortened) {
  const std::string label(5000, 'a');
  EXPECT_EQ(html(label + ".example."), label + ".example.");
  const std::string shortened = shorten(label, 100);
  EXPECT_EQ(shortened, std::string(100, 'a') + "\xE2\x80\xA6");
  // A cut inside a UTF-8 sequence is repaired by the escaper.
  EXPECT_TRUE(validUtf8(html(shorten("\xc3\xa9\xc3\xa9", 3))));
}

TEST(Escape, PathSegmentsEncodeEverythingButUnreserved) {
  EXPECT_EQ(pathSegment("child01.lab."), "child01.lab.");
  EXPECT_EQ(pathSegment("a b/<x>\"'?#%.\0"s), "a%20b%2F%3Cx%3E%22%27%3F%23%25.%00");
  EXPECT_EQ(pathSegment("\xff\\032."), "%FF%5C032.");
}

TEST(Escape, QueryValuesAreDecoded) {
  EXPECT_EQ(queryValue("since=10&domain=a%20b.&limit=5", "domain"), "a b.");
  EXPECT_EQ(queryValue("q=x+y", "q"), "x y");
  EXPECT_EQ(queryValue("flag&x=1", "flag"), "");
  EXPECT_EQ(queryValue("x=1", "y"), std::nullopt);
  EXPECT_EQ(queryValue("x=%4", "x"), "%4");  // a broken escape stays as it is
  EXPECT_EQ(queryValue("x=1&x=2", "x"), "1");
}

}  // namespace
}  // namespace zonewatch::web
