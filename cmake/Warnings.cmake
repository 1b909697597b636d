# Warnings apply to our own targets only (through zonewatch_warnings), never to system headers.
add_library(zonewatch_warnings INTERFACE)
target_compile_options(zonewatch_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wsign-conversion -Wnon-virtual-dtor
  -Wold-style-cast -Woverloaded-virtual -Wnull-dereference -Wimplicit-fallthrough)

# Warnings as errors, for CI (tests/run_all.sh turns it on for its builds). Off by default: a newer
# compiler's new warnings must not break a user's build. Our own targets only, like the warnings.
option(ZONEWATCH_WERROR "Treat compiler warnings as errors in zonewatch's own targets" OFF)
if(ZONEWATCH_WERROR)
  target_compile_options(zonewatch_warnings INTERFACE -Werror)
  # GCC warns that the sanitizers raise false positives of its flow-based warnings, "most notably
  # -Wmaybe-uninitialized" (it advises against -Werror with them): under ASan, GCC 12 reports one
  # inside libstdc++'s <regex>. That one stays a warning there; the build without sanitizers keeps
  # it an error.
  if(ZONEWATCH_SANITIZE AND CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(zonewatch_warnings INTERFACE -Wno-error=maybe-uninitialized)
  endif()
endif()

if(ZONEWATCH_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()
