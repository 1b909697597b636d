// The page's stylesheet and script, compiled in from monitor/web/assets/ (CMakeLists.txt turns
// the files into assets.cpp), so that the binary serves them itself: no file to install, no CDN.
#pragma once

#include <string_view>

namespace zonewatch::web {

extern const std::string_view kStyleCss;
extern const std::string_view kAppJs;

}  // namespace zonewatch::web
