#include "monitor/resolver/epoll_loop.h"

#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

namespace zonewatch::resolver {
namespace {

constexpr int kMaxEventsPerWait = 64;
// epoll_data carries the descriptor in the low half and its registration serial in the high half.
constexpr uint64_t kFdMask = 0xffffffffULL;

uint32_t toEpollEvents(bool readable, bool writable) {
  return (readable ? static_cast<uint32_t>(EPOLLIN) : 0U) |
         (writable ? static_cast<uint32_t>(EPOLLOUT) : 0U);
}

std::string errnoText(const char* what) {
  return std::string(what) + ": " + std::strerror(errno);
}

}  // namespace

Result<std::unique_ptr<EpollLoop>> EpollLoop::create(NowFn now) {
  const int epollFd = epoll_create1(EPOLL_CLOEXEC);
  if (epollFd < 0) return fail(errnoText("epoll_create1"));
  const int wakeFd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (wakeFd < 0) {
    const auto error = errnoText("eventfd");
    close(epollFd);
    return fail(error);
  }
  if (!now) now = [] { return Clock::now(); };
  std::unique_ptr<EpollLoop> loop(new EpollLoop(epollFd, wakeFd, std::move(now)));
  // The wake descriptor only interrupts epoll_wait; posted tasks run after every wait anyway.
  auto watched = loop->watch(wakeFd, true, false, [wakeFd](int, uint32_t) {
    uint64_t count = 0;
    while (read(wakeFd, &count, sizeof count) > 0) {
    }
  });
  if (!watched) return Unexpected{watched.error()};
  return loop;
}

EpollLoop::EpollLoop(int epollFd, int wakeFd, NowFn now)
    : epollFd_(epollFd), wakeFd_(wakeFd), now_(std::move(now)) {}

EpollLoop::~EpollLoop() {
  close(wakeFd_);
  close(epollFd_);
}

Status<> EpollLoop::control(int op, int fd, const Watch& watch) {
  epoll_event event{};
  event.events = watch.events;
  event.data.u64 = (static_cast<uint64_t>(watch.serial) << 32) | static_cast<uint32_t>(fd);
  if (epoll_ctl(epollFd_, op, fd, &event) != 0) return fail(errnoText("epoll_ctl"));
  return Ok{};
}

Status<> EpollLoop::watch(int fd, bool readable, bool writable, FdCallback callback) {
  if (fd < 0) return fail("negative file descriptor");
  const auto existing = fds_.find(fd);
  Watch watch;
  watch.serial = existing != fds_.end() ? existing->second.serial : nextSerial_++;
  watch.events = toEpollEvents(readable, writable);
  watch.callback = std::make_shared<FdCallback>(std::move(callback));
  auto status = control(existing != fds_.end() ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, watch);
  if (!status) return status;
  fds_[fd] = std::move(watch);
  return Ok{};
}

Status<> EpollLoop::modify(int fd, bool readable, bool writable) {
  const auto it = fds_.find(fd);
  if (it == fds_.end()) return fail("descriptor " + std::to_string(fd) + " is not watched");
  const uint32_t events = toEpollEvents(readable, writable);
  if (events == it->second.events) return Ok{};
  Watch updated = it->second;
  updated.events = events;
  auto status = control(EPOLL_CTL_MOD, fd, updated);
  if (!status) return status;
  it->second.events = events;
  return Ok{};
}

void EpollLoop::unwatch(int fd) {
  if (fds_.erase(fd) == 0) return;
  // The owner may already have closed fd, which removed it from the epoll set: ENOENT/EBADF are
  // expected then and not worth reporting.
  epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
}

EpollLoop::TimerId EpollLoop::addTimer(TimePoint deadline, TimerCallback callback) {
  const TimerId id = nextTimerId_++;
  timers_.emplace(std::make_pair(deadline, id), std::move(callback));
  timerDeadlines_.emplace(id, deadline);
  return id;
}

bool EpollLoop::cancelTimer(TimerId id) {
  const auto it = timerDeadlines_.find(id);
  if (it == timerDeadlines_.end()) return false;
  timers_.erase(std::make_pair(it->second, id));
  timerDeadlines_.erase(it);
  return true;
}

void EpollLoop::post(std::function<void()> task) {
  {
    const std::lock_guard lock(postedMutex_);
    posted_.push_back(std::move(task));
  }
  const uint64_t one = 1;
  // A full eventfd counter (EAGAIN) still leaves the loop woken: nothing to handle.
  [[maybe_unused]] const auto written = write(wakeFd_, &one, sizeof one);
}

size_t EpollLoop::runDueTimers() {
  // Only timers that existed when this round began run in it, so a callback re-arming itself
  // "now" cannot keep the loop here forever.
  const TimerId lastId = nextTimerId_;
  const TimePoint current = now();
  size_t ran = 0;
  auto it = timers_.begin();
  while (it != timers_.end() && it->first.first <= current) {
    if (it->first.second >= lastId) {
      ++it;
      continue;
    }
    TimerCallback callback = std::move(it->second);
    timerDeadlines_.erase(it->first.second);
    timers_.erase(it);
    callback();
    ++ran;
    // The callback may have added or cancelled timers: restart from the earliest.
    it = timers_.begin();
  }
  return ran;
}

size_t EpollLoop::runPostedTasks() {
  std::vector<std::function<void()>> tasks;
  {
    const std::lock_guard lock(postedMutex_);
    tasks.swap(posted_);
  }
  for (auto& task : tasks) task();
  return tasks.size();
}

Result<size_t> EpollLoop::runOnce(Clock::duration maxWait) {
  Clock::duration wait = std::max(maxWait, Clock::duration::zero());
  if (!timers_.empty()) {
    wait = std::min(wait, std::max(timers_.begin()->first.first - now(), Clock::duration::zero()));
  }
  {
    const std::lock_guard lock(postedMutex_);
    if (!posted_.empty()) wait = Clock::duration::zero();
  }
  // Round up so that a timer 0.4 ms away does not turn into a busy loop of 0 ms waits.
  const auto waitMs = std::chrono::ceil<std::chrono::milliseconds>(wait).count();
  const int timeoutMs = static_cast<int>(std::min<decltype(waitMs)>(waitMs, 24 * 3600 * 1000));

  std::array<epoll_event, kMaxEventsPerWait> events{};
  const int count = epoll_wait(epollFd_, events.data(), kMaxEventsPerWait, timeoutMs);
  if (count < 0) {
    if (errno == EINTR) return size_t{0};
    return fail(errnoText("epoll_wait"));
  }

  size_t ran = 0;
  for (int i = 0; i < count; ++i) {
    const epoll_event& event = events[static_cast<size_t>(i)];
    const int fd = static_cast<int>(event.data.u64 & kFdMask);
    const auto serial = static_cast<uint32_t>(event.data.u64 >> 32);
    const auto it = fds_.find(fd);
    // Unwatched, or unwatched and re-watched by an earlier callback of this round: stale event.
    if (it == fds_.end() || it->second.serial != serial) continue;
    uint32_t mask = 0;
    if (event.events & EPOLLIN) mask |= kReadable;
    if (event.events & EPOLLOUT) mask |= kWritable;
    if (event.events & (EPOLLERR | EPOLLHUP)) mask |= kError;
    const std::shared_ptr<FdCallback> callback = it->second.callback;
    (*callback)(fd, mask);
    if (fd != wakeFd_) ++ran;
  }
  ran += runDueTimers();
  ran += runPostedTasks();
  return ran;
}

}  // namespace zonewatch::resolver
