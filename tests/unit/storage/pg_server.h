// A throwaway PostgreSQL 15 server for the storage tests, from Debian's packages (postgresql-15):
// initdb into a fresh temporary directory, listening on 127.0.0.1 only on a free port, its unix
// socket inside that directory, fsync off (nothing here needs to survive a power cut), started
// with `pg_ctl -w`, stopped with `pg_ctl stop -m immediate` and deleted at the end.
//
// initdb and postgres refuse to run as root: under root (CI, containers) they run as `nobody`
// (runuser), in a directory handed to it; as anyone else, directly. Connections over TCP need the
// superuser's password (scram-sha-256), so that the tests exercise password handling; the unix
// socket, used only for creating databases, trusts.
//
// Missing binaries are a failure with a clear message, never a silent skip: CI installs them
// (deploy/install-deps.sh test).
#pragma once

#include <string>
#include <vector>

#include "monitor/util/result.h"

namespace zonewatch::storage::storetest {

class PgServer {
 public:
  // The server shared by the test program, started on first use and stopped when the program
  // exits. Check started() (or the Status of ensureStarted()) before using it.
  static PgServer& shared();

  ~PgServer();
  PgServer(const PgServer&) = delete;
  PgServer& operator=(const PgServer&) = delete;

  // Starts the server once; later calls return the first outcome.
  Status<> ensureStarted();
  // pg_ctl stop -m fast, then start again on the same port: every open connection is cut.
  Status<> restart();

  // A new, empty database; its name.
  Result<std::string> createDatabase();
  // postgresql://zonewatch@127.0.0.1:PORT/DATABASE (no password in it; see password()).
  std::string uri(const std::string& database) const;
  const std::string& password() const { return password_; }
  int port() const { return port_; }

 private:
  PgServer() = default;
  Status<> start();
  Status<> runTool(const std::string& tool, std::vector<std::string> args, bool asServerUser);
  void stop();

  std::string dir_;
  std::string binDir_;
  std::string password_ = "zw-test-pass-7Hq2";
  int port_ = 0;
  int databases_ = 0;
  bool tried_ = false;
  Status<> started_ = Ok{};
  int owner_ = 0;  // the pid that started it: a forked child never stops it
};

// A TCP port on 127.0.0.1 with nothing listening, as far as the kernel can tell right now.
int freeLoopbackPort();

}  // namespace zonewatch::storage::storetest
