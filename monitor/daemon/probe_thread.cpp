#include "monitor/daemon/probe_thread.h"

#include <chrono>
#include <utility>

#include "monitor/crypto/crypto.h"

namespace zonewatch::daemon {

std::array<uint8_t, 32> replayKey(const model::ReplayInputs& inputs, std::string_view optionsKey) {
  crypto::Sha256 sha;
  sha.update(inputs.digest);
  std::string rest = std::string(ZONEWATCH_VERSION) + "\n";
  rest.append(optionsKey);
  sha.update({reinterpret_cast<const uint8_t*>(rest.data()), rest.size()});
  return sha.finish();
}

bool replayMatches(const ReplayExpectation& expected, const model::Observation& obs) {
  return obs.replay && obs.observedAt < expected.until &&
         expected.digest == replayKey(*obs.replay, expected.optionsKey);
}

Result<std::unique_ptr<ProbeThread>> ProbeThread::create(Setup setup, resolver::EpollLoop& home) {
  auto loop = resolver::EpollLoop::create();
  if (!loop) return fail("cannot create the probe thread's event loop: " + loop.error().message);
  std::unique_ptr<ProbeThread> thread(new ProbeThread(home, std::move(loop).value(), *setup.clock));
  thread->cache_.setRoot(std::move(setup.root));
  auto engine = resolver::makeCaresEngine(setup.engine, thread->loop_.get());
  if (!engine) return fail("cannot start the query engine: " + engine.error().message);
  thread->engine_ = std::move(engine).value();
  setup.probe.replayCheck = [self = thread.get()](const model::Observation& obs) {
    return self->replayCheck(obs);
  };
  thread->prober_ =
      std::make_unique<probe::Prober>(*thread->engine_, thread->cache_, *setup.clock,
                                      std::move(setup.anchors), *setup.operators, setup.probe);
  return thread;
}

ProbeThread::~ProbeThread() {
  if (thread_.joinable()) {
    stop_ = true;
    loop_->post([] {});  // wakes the loop, which then sees stop_
    thread_.join();
  }
  // Not started, or its thread already dropped them: either way no thread uses them any more.
  prober_.reset();
  engine_.reset();
}

void ProbeThread::start() {
  thread_ = std::thread([this] { runLoop(); });
}

void ProbeThread::runLoop() {
  while (!stop_.load()) {
    if (auto ran = loop_->runOnce(std::chrono::seconds(1)); !ran) {
      // epoll_wait fails only on a programming error (EBADF, EINVAL). Its observations would never
      // come back: the daemon's loop, woken, stops with the message (a hang is the worse defect).
      {
        const std::lock_guard lock(failureMutex_);
        failure_ = ran.error().message;
      }
      home_.post([] {});
      break;
    }
  }
  // On this thread, in this order: the prober drops the answers its engine's cancellation
  // delivers (prober.h, alive_), and the engine's descriptors leave a loop nobody runs.
  prober_.reset();
  engine_.reset();
}

std::optional<std::string> ProbeThread::failure() const {
  const std::lock_guard lock(failureMutex_);
  return failure_;
}

void ProbeThread::observe(const dns::Name& domain, std::vector<uint8_t> memo,
                          std::optional<ReplayExpectation> replay, Done done) {
  loop_->post([this, domain, memo = std::move(memo), replay = std::move(replay),
               done = std::move(done)]() mutable {
    begin(domain, std::move(memo), std::move(replay), std::move(done));
  });
}

// On the probe thread.
void ProbeThread::begin(const dns::Name& domain, std::vector<uint8_t> memo,
                        std::optional<ReplayExpectation> replay, Done done) {
  std::string name = domain.lowercased().toString();  // as the prober names it (obs.domain)
  if (replay) expectations_.insert_or_assign(name, std::move(*replay));
  auto finished = [this, name, done = std::move(done)](model::Observation obs) mutable {
    expectations_.erase(name);
    auto back = std::make_shared<Finished>(
        Finished{std::move(obs), prober_->verificationCache().takeJournal()});
    home_.post([done = std::move(done), back] { done(std::move(*back)); });
  };
  prober_->observe(domain, std::move(finished), memo);
}

// On the probe thread, from the prober (ProbeOptions::replayCheck).
bool ProbeThread::replayCheck(const model::Observation& obs) const {
  const auto expected = expectations_.find(obs.domain);
  return expected != expectations_.end() && replayMatches(expected->second, obs);
}

}  // namespace zonewatch::daemon
