#include "monitor/util/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

namespace zonewatch {

Result<std::string> readWholeFile(const std::filesystem::path& path) {
  auto failure = [](const std::string& reason) { return fail(reason); };
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int saved = errno;
    ::close(fd);
    return failure(std::strerror(saved));
  }
  if (S_ISDIR(st.st_mode)) {
    ::close(fd);
    return failure("it is a directory");
  }
  // One allocation for regular files; the loop still handles files whose size stat does not know
  // (pipes, /proc), which a secret_file may well be.
  std::string out;
  if (st.st_size > 0) out.reserve(std::min(static_cast<size_t>(st.st_size), kMaxFileBytes));
  char buffer[65536];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return failure(std::strerror(saved));
    }
    if (out.size() + static_cast<size_t>(n) > kMaxFileBytes) {
      ::close(fd);
      return failure("larger than " + std::to_string(kMaxFileBytes >> 20) +
                     " MiB: not a file zonewatch reads");
    }
    out.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<std::string> readFileNamed(const std::string& path) {
  auto text = readWholeFile(path);
  if (!text) return fail(path + ": " + text.error().message);
  return text;
}

}  // namespace zonewatch
