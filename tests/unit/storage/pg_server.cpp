// PgServer: the temporary PostgreSQL of the storage tests (pg_server.h).
#include "tests/unit/storage/pg_server.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace zonewatch::storage::storetest {
namespace {

namespace fs = std::filesystem;

// Debian's postgresql-15 puts its server binaries here; ZONEWATCH_PG_BINDIR overrides.
constexpr const char* kDefaultBinDir = "/usr/lib/postgresql/15/bin";
constexpr const char* kServerUser = "nobody";
constexpr const char* kSuperuser = "zonewatch";

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs argv with its output appended to `log`, in `cwd`; the exit status, or -1.
int runProgram(const std::vector<std::string>& argv, const std::string& log,
               const std::string& cwd) {
  const pid_t pid = fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (chdir(cwd.c_str()) != 0) _exit(126);
    std::vector<char*> args;
    for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

int freeLoopbackPort() {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t length = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length) == 0) {
    port = ntohs(addr.sin_port);
  }
  ::close(fd);
  return port;
}

PgServer& PgServer::shared() {
  static PgServer server;
  return server;
}

PgServer::~PgServer() {
  stop();
}

Status<> PgServer::ensureStarted() {
  if (!tried_) {
    tried_ = true;
    owner_ = getpid();
    started_ = start();
    if (!started_) stop();
  }
  return started_;
}

Status<> PgServer::runTool(const std::string& tool, std::vector<std::string> args,
                           bool asServerUser) {
  std::vector<std::string> argv;
  if (asServerUser && geteuid() == 0) argv = {"/usr/sbin/runuser", "-u", kServerUser, "--"};
  argv.push_back(binDir_ + "/" + tool);
  argv.insert(argv.end(), args.begin(), args.end());
  const std::string log = dir_ + "/tools.log";
  if (runProgram(argv, log, dir_) == 0) return Ok{};
  return fail("PostgreSQL test server: " + tool + " failed; its output (" + log + "):\n" +
              readFile(log) + "\nserver log:\n" + readFile(dir_ + "/server.log"));
}

Status<> PgServer::start() {
  const char* env = std::getenv("ZONEWATCH_PG_BINDIR");
  binDir_ = env != nullptr && *env != '\0' ? env : kDefaultBinDir;
  for (const char* tool : {"initdb", "pg_ctl", "postgres", "createdb"}) {
    if (access((binDir_ + "/" + tool).c_str(), X_OK) != 0) {
      return fail("the PostgreSQL 15 binaries are missing (" + binDir_ + "/" + tool +
                  " is not executable): install Debian's postgresql-15 (deploy/install-deps.sh "
                  "test does), or point ZONEWATCH_PG_BINDIR at them");
    }
  }
  std::string pattern = (fs::temp_directory_path() / "zonewatch-pg-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) return fail("cannot create a temporary directory");
  dir_ = pattern;
  if (geteuid() == 0) {
    const passwd* user = getpwnam(kServerUser);
    if (user == nullptr) return fail(std::string("no user ") + kServerUser + " to run PostgreSQL");
    if (chown(dir_.c_str(), user->pw_uid, user->pw_gid) != 0) return fail("cannot chown " + dir_);
  }
  const std::string pwfile = dir_ + "/pwfile";
  std::ofstream(pwfile) << password_ << "\n";
  if (geteuid() == 0) chmod(pwfile.c_str(), 0644);
  if (auto ok = runTool(
          "initdb",
          {"-D", dir_ + "/data", "-U", kSuperuser, "--pwfile=" + pwfile, "--auth-local=trust",
           "--auth-host=scram-sha-256", "-E", "UTF8", "--locale=C", "--no-sync"},
          true);
      !ok) {
    return ok;
  }
  port_ = freeLoopbackPort();
  std::ofstream conf(dir_ + "/data/postgresql.conf", std::ios::app);
  conf << "listen_addresses = '127.0.0.1'\nport = " << port_ << "\nunix_socket_directories = '"
       << dir_ << "'\nfsync = off\nsynchronous_commit = off\nfull_page_writes = off\n"
       << "max_connections = 40\nshared_buffers = 16MB\n";
  conf.close();
  return runTool("pg_ctl",
                 {"-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-t", "60", "start"},
                 true);
}

Status<> PgServer::restart() {
  if (auto ok = runTool("pg_ctl", {"-D", dir_ + "/data", "-m", "fast", "-w", "stop"}, true); !ok) {
    return ok;
  }
  return runTool("pg_ctl",
                 {"-D", dir_ + "/data", "-l", dir_ + "/server.log", "-w", "-t", "60", "start"},
                 true);
}

void PgServer::stop() {
  if (dir_.empty() || owner_ != getpid()) return;
  if (fs::exists(dir_ + "/data/postmaster.pid")) {
    (void)runTool("pg_ctl", {"-D", dir_ + "/data", "-m", "immediate", "-w", "stop"}, true);
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
  dir_.clear();
}

Result<std::string> PgServer::createDatabase() {
  std::string name = "zw_test_" + std::to_string(++databases_);
  // Over the unix socket, which trusts: no password on a command line.
  if (auto ok = runTool(
          "createdb",
          {"-h", dir_, "-p", std::to_string(port_), "-U", kSuperuser, "-T", "template0", name},
          false);
      !ok) {
    return Unexpected{ok.error()};
  }
  return name;
}

std::string PgServer::uri(const std::string& database) const {
  return "postgresql://" + std::string(kSuperuser) + "@127.0.0.1:" + std::to_string(port_) + "/" +
         database;
}

}  // namespace zonewatch::storage::storetest
