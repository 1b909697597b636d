# Included by ctest (TEST_INCLUDE_FILES, tests/CMakeLists.txt) while it reads the test list: what
# it sets here is the environment of every test it runs. Tests talk only to 127.0.0.0/8, never
# through a proxy (issue 18); the daemon itself honours an operator's proxy variables on purpose.
foreach(variable http_proxy https_proxy HTTP_PROXY HTTPS_PROXY all_proxy ALL_PROXY)
  unset(ENV{${variable}})
endforeach()
set(ENV{no_proxy} "127.0.0.1,localhost,::1")
set(ENV{NO_PROXY} "127.0.0.1,localhost,::1")
