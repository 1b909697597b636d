// newWorkerId(): what tells the workers of one database apart in their claims and logs.
#include "storage/work_queue.h"

#include <unistd.h>

#include <array>
#include <cstdio>
#include <random>

namespace zonewatch::storage {

std::string newWorkerId() {
  std::array<char, 256> host{};
  if (gethostname(host.data(), host.size() - 1) != 0) host[0] = '\0';
  // The random part tells apart two workers whose host name and pid are the same: containers
  // that all run as pid 1 on hosts named alike.
  std::random_device random;
  std::array<char, 9> suffix{};
  std::snprintf(suffix.data(), suffix.size(), "%08x", static_cast<unsigned>(random()));
  std::string name = host[0] != '\0' ? host.data() : "unknown";
  return name + ":" + std::to_string(getpid()) + ":" + suffix.data();
}

}  // namespace zonewatch::storage
