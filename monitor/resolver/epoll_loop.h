// EpollLoop: the daemon's single-threaded event loop — file descriptors, one-shot timers, and
// tasks posted from other threads — over Linux epoll.
//
// It knows nothing about DNS or c-ares: the query engine registers c-ares' sockets and timeouts
// here, and the daemon adds its own descriptors (metrics exposer, signalfd) to the same loop.
// epoll rather than select()/poll() because select() breaks past descriptor 1024 and a large
// portfolio keeps many sockets open. Every method except post() must be called on the loop's
// thread. Callbacks may add or remove descriptors and timers, their own included, while the loop
// dispatches: a descriptor removed (or closed and reused) during a round gets no stale event.
//
// Time comes from a NowFn (steady_clock by default) so that tests drive timers with a fake clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::resolver {

class EpollLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using TimePoint = Clock::time_point;
  using NowFn = std::function<TimePoint()>;
  using TimerId = uint64_t;
  using TimerCallback = std::function<void()>;
  // events is a mask of kReadable, kWritable and kError (EPOLLERR/EPOLLHUP, reported so that the
  // owner reads the descriptor and learns the error).
  using FdCallback = std::function<void(int fd, uint32_t events)>;

  static constexpr uint32_t kReadable = 1;
  static constexpr uint32_t kWritable = 2;
  static constexpr uint32_t kError = 4;

  static Result<std::unique_ptr<EpollLoop>> create(NowFn now = {});
  ~EpollLoop();
  EpollLoop(const EpollLoop&) = delete;
  EpollLoop& operator=(const EpollLoop&) = delete;

  // Starts watching fd (or replaces its interest and callback when it is already watched). The
  // loop never closes fd: its owner does, after unwatch().
  Status<> watch(int fd, bool readable, bool writable, FdCallback callback);
  Status<> modify(int fd, bool readable, bool writable);
  void unwatch(int fd);
  bool isWatching(int fd) const { return fds_.contains(fd); }

  // One-shot timers; a timer due in the past runs at the next runOnce().
  TimerId addTimer(TimePoint deadline, TimerCallback callback);
  TimerId addTimerAfter(Clock::duration delay, TimerCallback callback) {
    return addTimer(now() + delay, std::move(callback));
  }
  // False when the timer already ran or was cancelled.
  bool cancelTimer(TimerId id);

  // Thread-safe: runs task on the loop's thread during the next runOnce(), waking a waiting loop.
  void post(std::function<void()> task);

  // Waits for events at most maxWait (less when a timer or posted task is due), then runs the
  // callbacks of ready descriptors, due timers and posted tasks. Returns how many callbacks ran.
  // Fails only when epoll_wait itself fails (EINTR is not a failure: it returns 0).
  Result<size_t> runOnce(Clock::duration maxWait);

  TimePoint now() const { return now_(); }
  size_t watchedFds() const { return fds_.size() - 1; }  // without the internal wake descriptor
  size_t pendingTimers() const { return timerDeadlines_.size(); }

 private:
  struct Watch {
    uint32_t serial = 0;  // distinguishes a reused descriptor number from its previous use
    uint32_t events = 0;
    std::shared_ptr<FdCallback> callback;  // shared: kept alive while it runs, even if unwatched
  };

  EpollLoop(int epollFd, int wakeFd, NowFn now);
  Status<> control(int op, int fd, const Watch& watch);
  size_t runDueTimers();
  size_t runPostedTasks();

  int epollFd_;
  int wakeFd_;  // eventfd that post() writes to
  NowFn now_;
  uint32_t nextSerial_ = 1;
  std::unordered_map<int, Watch> fds_;
  TimerId nextTimerId_ = 1;
  std::map<std::pair<TimePoint, TimerId>, TimerCallback> timers_;
  std::unordered_map<TimerId, TimePoint> timerDeadlines_;
  std::mutex postedMutex_;
  std::vector<std::function<void()>> posted_;  // guarded by postedMutex_
};

}  // namespace zonewatch::resolver
