# Every dependency comes from Debian 12's packages; deploy/install-deps.sh installs them.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(OpenSSL 3.0 REQUIRED)
pkg_check_modules(CARES REQUIRED IMPORTED_TARGET libcares>=1.18)
pkg_check_modules(IDN2 REQUIRED IMPORTED_TARGET libidn2)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
# The PostgreSQL backend of the store (storage/pg_store.cpp is the only file that includes
# <libpq-fe.h>): Debian's libpq-dev.
pkg_check_modules(LIBPQ REQUIRED IMPORTED_TARGET libpq)
# Compression of the stored snapshot text (storage/deflate.cpp is the only file that includes
# <zlib.h>).
find_package(ZLIB REQUIRED)
pkg_check_modules(PSL REQUIRED IMPORTED_TARGET libpsl)
# Webhook delivery (alerts/http_client.cpp is the only file that includes <curl/curl.h>).
pkg_check_modules(CURL REQUIRED IMPORTED_TARGET libcurl)
find_package(nlohmann_json 3 REQUIRED)
find_package(CLI11 REQUIRED)
find_package(yaml-cpp REQUIRED)
# Metrics (alerts/metrics.cpp): the exposition registry and its text format (the core library).
find_package(prometheus-cpp CONFIG REQUIRED)
# The HTTP listener of /metrics and the pages (alerts/http_listener.cpp): Debian's libcivetweb-dev,
# the server prometheus-cpp's own exposer is built on.
find_package(civetweb CONFIG REQUIRED)
# The daemon's allocator. A round parses, copies and frees many small records; with jemalloc a
# steady-state `run --once` over 2,000 lab domains took about a fifth less CPU than with glibc's
# malloc (tests/bench/monitor_bench.sh). Linked into the zonewatch binary only, and not under the
# sanitizers, which bring their own allocator.
if(NOT ZONEWATCH_SANITIZE)
  pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)
endif()

